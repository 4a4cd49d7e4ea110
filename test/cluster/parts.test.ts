import { describe, expect, it } from 'vitest';
import { Awareness } from '../../daemon/cluster/awareness.js';
import { BroadcastQueue } from '../../daemon/cluster/broadcasts.js';
import {
  LAN,
  memberlistSuspicionBounds,
  retransmitLimit,
  suspicionBounds,
} from '../../daemon/cluster/params.js';
import { ProbeOrder } from '../../daemon/cluster/probe-order.js';
import { seededRng } from '../../daemon/cluster/random.js';
import { SimClock } from '../../daemon/cluster/sim-clock.js';
import { remainingSuspicionMs, Suspicion } from '../../daemon/cluster/suspicion.js';

describe('protocol parts', () => {
  it('suspicion bounds scale with log10 N; memberlist needs 6.8 s at N = 50, we need 2 s confirmed', () => {
    expect(memberlistSuspicionBounds(LAN, 50).minMs).toBeCloseTo(6796, 0);
    expect(suspicionBounds(LAN, 50)).toMatchObject({ minMs: 2000, maxMs: 12_000, confirmations: 3 });
    expect(suspicionBounds(LAN, 1000).minMs).toBe(3000);
    expect(suspicionBounds(LAN, 3).confirmations).toBe(1);
    expect(suspicionBounds(LAN, 2).confirmations).toBe(0);
    expect(retransmitLimit(LAN, 50)).toBe(8);
  });

  it('the suspicion timer shrinks from max to min with each new independent confirmation', () => {
    expect(remainingSuspicionMs(0, 3, 0, 2000, 12_000)).toBe(12_000);
    expect(remainingSuspicionMs(3, 3, 500, 2000, 12_000)).toBe(1500);
    const clock = new SimClock();
    let firedAt = 0;
    const s = new Suspicion('a', 3, 2000, 12_000, clock, () => {
      firedAt = clock.now();
    });
    const start = clock.now();
    expect(s.confirm('a')).toBe(false); // the accuser is not its own confirmation
    expect(s.confirm('b')).toBe(true);
    expect(s.confirm('b')).toBe(false);
    s.confirm('c');
    s.confirm('d');
    expect(s.confirm('e')).toBe(false); // enough already
    clock.advance(20_000);
    expect(firedAt - start).toBe(2000);
  });

  it('local health stretches timeouts and stays within 0 … max − 1', () => {
    const a = new Awareness(8);
    a.apply(-3);
    expect(a.scale(500)).toBe(500);
    a.apply(20);
    expect(a.score).toBe(7);
    expect(a.scale(500)).toBe(4000);
  });

  it('the broadcast queue keeps the newest rumour per member, least-sent first, until the limit', () => {
    const q = new BroadcastQueue(() => 2);
    q.add({ kind: 'alive', id: 'a', address: 'a:1', incarnation: 1, meta: null });
    q.add({ kind: 'suspect', id: 'a', incarnation: 1, from: 'x' });
    q.add({ kind: 'alive', id: 'b', address: 'b:1', incarnation: 1, meta: null });
    expect(q.size).toBe(2);
    expect(q.take(1).map((u) => u.id)).toEqual(['b']);
    expect(q.take(1).map((u) => `${u.id}:${u.kind}`)).toEqual(['a:suspect']);
    q.take(5);
    expect(q.size).toBe(0);
  });

  it('round-robin probing visits every member once per round in a shuffled order', () => {
    const order = new ProbeOrder(seededRng(3));
    const ids = new Set(['a', 'b', 'c', 'd']);
    const round1 = [1, 2, 3, 4].map(() => order.next(ids));
    const round2 = [1, 2, 3, 4].map(() => order.next(ids));
    expect(new Set(round1)).toEqual(ids);
    expect(new Set(round2)).toEqual(ids);
  });
});
