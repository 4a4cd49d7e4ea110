/**
 * Lets at most `perTurn` callers through per turn of the event loop, in arrival order; the rest
 * wait for later turns. Under a burst, Node parses every request whose bytes have arrived in one
 * poll phase and runs each handler up to its first real wait right there, so 2,000 submits become
 * one long synchronous stretch; passing through here first caps that stretch at `perTurn`
 * handlers, and timers, /health and the answers of earlier requests run in between. With no
 * burst nobody waits: the first `perTurn` callers of a turn go straight through.
 */
export class TurnQueue {
  private readonly waiting: (() => void)[] = [];
  /** Index of the next waiter (shift() is linear; the array is compacted once drained). */
  private head = 0;
  /** Callers let through since the last release. */
  private admitted = 0;
  private scheduled = false;

  constructor(
    /** Callers let through per turn; at least 1. */
    private readonly perTurn: number,
  ) {
    if (!Number.isInteger(perTurn) || perTurn < 1) throw new RangeError('perTurn: must be an integer >= 1');
  }

  /** Callers waiting for a later turn. */
  get length(): number {
    return this.waiting.length - this.head;
  }

  /** Takes a place in this turn when there is one (nobody waits, room left); false otherwise. */
  tryPass(): boolean {
    this.schedule();
    if (this.length > 0 || this.admitted >= this.perTurn) return false;
    this.admitted += 1;
    return true;
  }

  /** Resolves once the caller may go on: at once while this turn has room and nobody waits. */
  pass(): Promise<void> {
    if (this.tryPass()) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** One release per turn: setImmediate runs after this turn's poll phase, before the next one. */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.release());
  }

  private release(): void {
    this.scheduled = false;
    this.admitted = 0;
    while (this.length > 0 && this.admitted < this.perTurn) {
      const resolve = this.waiting[this.head] as () => void;
      this.head += 1;
      this.admitted += 1;
      resolve();
    }
    if (this.length === 0) {
      this.waiting.length = 0;
      this.head = 0;
    } else this.schedule();
  }
}
