import { seededRng, shuffle } from './random.js';

/** Shuffled offset lists by `ring size:round`, shared by every member in this process (deterministic). */
const offsetCache = new Map<string, number[]>();

/** Offsets 1 … size − 1 in the order of `round`: the same on every member that knows the same ring. */
function offsets(size: number, round: number): number[] {
  const key = `${size}:${round}`;
  let list = offsetCache.get(key);
  if (!list) {
    if (offsetCache.size > 16) offsetCache.clear();
    list = shuffle(
      Array.from({ length: size - 1 }, (_, i) => i + 1),
      seededRng(Math.imul(round, 0x9e3779b1) ^ size),
    );
    offsetCache.set(key, list);
  }
  return list;
}

/**
 * SWIM's round-robin over a shuffled list, coordinated: members sorted by id form a ring, and in
 * protocol period p every member probes the one at the same offset along it, offsets running through
 * a shuffled list that every member derives from the period number. So in each period every member
 * is probed by exactly one other (when views agree), and over a round each probes every other once:
 * a silent member is probed within one period of failing instead of after up to ~5 periods of
 * independent shuffles (N = 50). Differing views or clocks degrade it to an ordinary shuffled order.
 */
export class ProbeOrder {
  private ring: string[] = [];
  private selfIndex = 0;

  constructor(
    private readonly self: string,
    private readonly intervalMs: number,
  ) {}

  /** The period a tick at `now` belongs to (ticks fall on period boundaries; rounding absorbs timer lateness). */
  period(now: number): number {
    return Math.round(now / this.intervalMs);
  }

  /** Delay until the next period boundary at least `stretchedMs − interval` away (local health stretches it). */
  delayToNext(now: number, stretchedMs: number): number {
    const into = now - this.period(now) * this.intervalMs;
    return Math.max(1, stretchedMs - into);
  }

  /** The member to probe at `now` among `candidates` (ids of the others), or undefined when there is none. */
  next(candidates: ReadonlySet<string>, now: number): string | undefined {
    if (candidates.size === 0) return undefined;
    this.refresh(candidates);
    const size = this.ring.length;
    const p = this.period(now);
    const round = Math.floor(p / (size - 1));
    const offset = offsets(size, round)[p - round * (size - 1)]!;
    return this.ring[(this.selfIndex + offset) % size];
  }

  private refresh(candidates: ReadonlySet<string>): void {
    if (this.ring.length === candidates.size + 1) {
      let same = true;
      for (const id of this.ring)
        if (id !== this.self && !candidates.has(id)) {
          same = false;
          break;
        }
      if (same) return;
    }
    this.ring = [...candidates, this.self].sort();
    this.selfIndex = this.ring.indexOf(this.self);
  }
}
