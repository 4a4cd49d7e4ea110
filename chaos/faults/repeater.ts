/**
 * Re-fires a fault's effect every `everyMs` until stopped (a crash loop, connections killed again
 * and again). A failed round is dropped: the next one tries again, and revert must never wait on it.
 */
export class Repeater {
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly fire: () => Promise<unknown>) {}

  /** Starts repeating; a second call while running does nothing. */
  start(everyMs: number): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.fire().catch(() => {});
    }, everyMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Whether a timer is still armed (what verifyReverted reports). */
  get running(): boolean {
    return this.timer !== undefined;
  }
}
