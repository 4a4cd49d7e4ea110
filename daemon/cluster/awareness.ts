/**
 * Lifeguard's local health awareness: a score that rises when this node misses its own deadlines
 * (missing nacks, having to refute) and falls on clean probes. A high score stretches this node's
 * timeouts, so a slow node waits longer instead of accusing healthy peers.
 */
export class Awareness {
  private value = 0;

  constructor(private readonly max: number) {}

  /** Current score, 0 (healthy) to max − 1. */
  get score(): number {
    return this.value;
  }

  /** Adds `delta`, kept within 0 … max − 1. */
  apply(delta: number): void {
    this.value = Math.min(this.max - 1, Math.max(0, this.value + delta));
  }

  /** `ms` stretched by the score: ms × (score + 1). */
  scale(ms: number): number {
    return ms * (this.value + 1);
  }
}
