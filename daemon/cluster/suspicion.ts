import type { Clock } from '../agents/clock.js';

/** Time left before a suspicion becomes a death (can be ≤ 0: fire now). Lifeguard's formula. */
export function remainingSuspicionMs(
  confirmations: number,
  wanted: number,
  elapsedMs: number,
  minMs: number,
  maxMs: number,
): number {
  if (wanted < 1) return maxMs - elapsedMs;
  const fraction = Math.log(confirmations + 1) / Math.log(wanted + 1);
  const timeout = Math.max(minMs, Math.floor(maxMs - fraction * (maxMs - minMs)));
  return timeout - elapsedMs;
}

/**
 * The timer on one suspected member: starts at max and shrinks towards min as independent members
 * confirm (each counted once; the accuser is not a confirmation of itself).
 */
export class Suspicion {
  private readonly confirmers = new Set<string>();
  private readonly startedAt: number;
  private timer: unknown;
  private done = false;

  constructor(
    accuser: string,
    private readonly wanted: number,
    private readonly minMs: number,
    private readonly maxMs: number,
    private readonly clock: Clock,
    private readonly onTimeout: () => void,
  ) {
    this.confirmers.add(accuser);
    this.startedAt = clock.now();
    this.arm();
  }

  /** Independent confirmations so far. */
  get confirmations(): number {
    return this.confirmers.size - 1;
  }

  /** Counts `from` once; returns true when it was new and the timer moved. */
  confirm(from: string): boolean {
    if (this.done || this.confirmations >= this.wanted || this.confirmers.has(from)) return false;
    this.confirmers.add(from);
    this.arm();
    return true;
  }

  /** Stops the timer (refuted, or the member was declared dead or left another way). */
  cancel(): void {
    this.done = true;
    this.clock.clearTimer(this.timer);
  }

  private arm(): void {
    this.clock.clearTimer(this.timer);
    const left = remainingSuspicionMs(
      this.confirmations,
      this.wanted,
      this.clock.now() - this.startedAt,
      this.minMs,
      this.maxMs,
    );
    this.timer = this.clock.setTimer(
      () => {
        if (this.done) return;
        this.done = true;
        this.onTimeout();
      },
      Math.max(0, left),
    );
  }
}
