/** PM2-style restart backoff settings; all times in ms. */
export interface BackoffOptions {
  /** First restart delay. */
  initialMs: number;
  /** Growth per quick crash. */
  factor: number;
  /** Cap on the delay. */
  maxMs: number;
  /** Uptime after which a service counts as stable and the backoff resets. */
  stableMs: number;
  /** Quick crashes in a row after which we stop restarting. */
  maxQuickCrashes: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = {
  initialMs: 100,
  factor: 1.5,
  maxMs: 15_000,
  stableMs: 30_000,
  maxQuickCrashes: 16,
};

/** What to do after an exit. */
export type BackoffDecision = { giveUp: false; delayMs: number } | { giveUp: true; quickCrashes: number };

/** Pure restart policy: no timers here, so it is trivially testable. */
export class RestartBackoff {
  private delay: number;
  /** Consecutive exits that came before the service was stable. */
  quickCrashes = 0;

  constructor(private readonly o: BackoffOptions = DEFAULT_BACKOFF) {
    this.delay = o.initialMs;
  }

  /** Call on every unexpected exit with how long the process had been up. */
  onExit(uptimeMs: number): BackoffDecision {
    if (uptimeMs >= this.o.stableMs) {
      this.delay = this.o.initialMs;
      this.quickCrashes = 0;
    } else {
      this.quickCrashes++;
      if (this.quickCrashes >= this.o.maxQuickCrashes)
        return { giveUp: true, quickCrashes: this.quickCrashes };
    }
    const delayMs = this.delay;
    this.delay = Math.min(this.delay * this.o.factor, this.o.maxMs);
    return { giveUp: false, delayMs };
  }
}
