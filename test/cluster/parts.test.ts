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
import { SimClock } from '../../daemon/cluster/sim-clock.js';
import { remainingSuspicionMs, Suspicion } from '../../daemon/cluster/suspicion.js';

describe('protocol parts', () => {
  it('suspicion bounds scale with log10 N; memberlist needs 6.8 s at N = 50, we need 0.85 s confirmed', () => {
    expect(memberlistSuspicionBounds(LAN, 50).minMs).toBeCloseTo(6796, 0);
    const n50 = suspicionBounds(LAN, 50);
    expect(n50.minMs).toBeCloseTo(849, 0);
    expect(n50.maxMs).toBeCloseTo(5097, 0);
    expect(n50.confirmations).toBe(2); // memberlist's suspicionMult − 2
    expect(suspicionBounds(LAN, 1000).minMs).toBe(1500);
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

  it('round-robin probing visits every member once per round, and each period probes each member once', () => {
    const ids = ['a', 'b', 'c', 'd', 'e'];
    const orders = new Map(ids.map((id) => [id, new ProbeOrder(id, 1000)]));
    const others = (self: string) => new Set(ids.filter((id) => id !== self));
    const visited = new Map(ids.map((id) => [id, new Set<string>()]));
    const offsets = new Set<string>();
    for (let period = 40; period < 44; period++) {
      // Timers fire a little late or early: the period is still the same one.
      const targets = ids.map((id, i) => orders.get(id)!.next(others(id), period * 1000 + (i % 2 ? 7 : -3))!);
      expect(new Set(targets).size).toBe(ids.length); // nobody probed twice, nobody missed
      for (const [i, id] of ids.entries()) visited.get(id)!.add(targets[i]!);
      offsets.add(targets.join());
    }
    for (const id of ids) expect(visited.get(id)).toEqual(others(id)); // one round = 4 periods
    expect(offsets.size).toBe(4);
    expect(orders.get('a')!.delayToNext(40_010, 1000)).toBe(990);
    expect(orders.get('a')!.delayToNext(40_010, 3000)).toBe(2990); // local health stretches the period
  });
});
