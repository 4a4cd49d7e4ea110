import { type Rng, shuffle } from './random.js';

/**
 * SWIM's round-robin probe order: every member once per round, in a fresh random order each round,
 * which bounds the time until a failed member is probed (at most two rounds), unlike random picks.
 */
export class ProbeOrder {
  private order: string[] = [];
  private index = 0;

  constructor(private readonly rng: Rng) {}

  /** The next member to probe among `candidates` (ids), or undefined when there is none. */
  next(candidates: ReadonlySet<string>): string | undefined {
    if (candidates.size === 0) return undefined;
    for (let tries = 0; tries < 2; tries++) {
      while (this.index < this.order.length) {
        const id = this.order[this.index++]!;
        if (candidates.has(id)) return id;
      }
      this.order = shuffle([...candidates], this.rng);
      this.index = 0;
    }
    return undefined;
  }

  /** A member that just joined goes to a random place in the rest of this round. */
  insert(id: string): void {
    const at = this.index + Math.floor(this.rng() * (this.order.length - this.index + 1));
    this.order.splice(at, 0, id);
  }
}
