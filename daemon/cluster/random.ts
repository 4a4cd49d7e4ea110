/** A source of uniform numbers in [0, 1), injected so tests and simulations replay exactly. */
export type Rng = () => number;

/** A small seeded generator (mulberry32): deterministic simulations, no dependency. */
export function seededRng(seed: number): Rng {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Shuffles in place (Fisher–Yates) with the given generator. */
export function shuffle<T>(items: T[], rng: Rng): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/** Up to `count` distinct items picked at random from `items` (which is left unchanged). */
export function pick<T>(items: readonly T[], count: number, rng: Rng): T[] {
  if (count >= items.length) return shuffle([...items], rng);
  const chosen = new Set<number>();
  while (chosen.size < count) chosen.add(Math.floor(rng() * items.length));
  return [...chosen].map((i) => items[i]!);
}
