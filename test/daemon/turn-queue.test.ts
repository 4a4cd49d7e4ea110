import { describe, expect, it } from 'vitest';
import { TurnQueue } from '../../daemon/util/turn-queue.js';

/** Resolves in the check phase of the next turn of the event loop. */
const nextTurn = () => new Promise<void>((r) => setImmediate(r));

describe('TurnQueue', () => {
  it('lets callers through at once while a turn has room, the rest in arrival order in later turns', async () => {
    const queue = new TurnQueue(3);
    const order: number[] = [];
    const turnOf: number[] = [];
    let turn = 0;
    const ticking = (async () => {
      while (order.length < 8) {
        await nextTurn();
        turn++;
      }
    })();
    await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        queue.pass().then(() => {
          order.push(i);
          turnOf.push(turn);
        }),
      ),
    );
    await ticking;
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    // Never more than 3 in one turn, and the 8 take three turns.
    const perTurn = new Map<number, number>();
    for (const t of turnOf) perTurn.set(t, (perTurn.get(t) ?? 0) + 1);
    expect(Math.max(...perTurn.values())).toBeLessThanOrEqual(3);
    expect(perTurn.size).toBe(3);
    expect(queue.length).toBe(0);
  });

  it('does not let a newcomer pass ahead of callers already waiting', async () => {
    const queue = new TurnQueue(1);
    expect(queue.tryPass()).toBe(true);
    const waiting = queue.pass();
    expect(queue.tryPass()).toBe(false);
    expect(queue.length).toBe(1);
    await waiting;
    expect(queue.length).toBe(0);
  });

  it('refuses a quota below one', () => {
    expect(() => new TurnQueue(0)).toThrow(/perTurn/);
  });
});
