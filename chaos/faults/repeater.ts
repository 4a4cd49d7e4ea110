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

/**
 * A fault whose effect is one round (signal the processes, terminate the sessions), done once at
 * inject and again every `everyMs()` when asked; reverting stops the rounds, nothing else is left.
 */
export abstract class RepeatingFault<Round = unknown> {
  active = false;
  private readonly repeater = new Repeater(() => this.fire());

  /** One round of the effect. */
  protected abstract fire(): Promise<Round>;
  /** The interval between rounds; undefined: once. */
  protected abstract everyMs(): number | undefined;
  /** What verifyReverted calls the timer (e.g. "kill timer"). */
  protected abstract readonly timerName: string;
  /** Sees the first round; throws to refuse the inject. */
  protected checkFirstRound(_round: Round): void {}

  async inject(): Promise<void> {
    if (this.active) return;
    this.checkFirstRound(await this.fire());
    this.active = true;
    const every = this.everyMs();
    if (every) this.repeater.start(every);
  }

  async revert(): Promise<void> {
    this.repeater.stop();
    this.active = false;
  }

  leftovers(): [] {
    return [];
  }

  async verifyReverted(): Promise<string[]> {
    return this.repeater.running ? [`${this.timerName} still running`] : [];
  }
}
