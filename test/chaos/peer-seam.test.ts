import { afterEach, describe, expect, it } from 'vitest';
import type { PeerFaultRule } from '../../chaos/faults/context.js';
import { ClusterPeerSeam } from '../../chaos/faults/peer-seam.js';
import { NetworkFaults } from '../../daemon/cluster/faults.js';
import { MemoryNetwork } from '../../daemon/cluster/memory-transport.js';
import { SimClock } from '../../daemon/cluster/sim-clock.js';
import type { PeerMessage } from '../../daemon/cluster/types.js';
import type { ClusterView } from '../../daemon/cluster/view.js';
import type { ClusterNode } from '../../shared/cluster.js';
import { type BareTransport, startTransport, testMeta } from '../helpers/peer-net.js';
import { waitFor } from '../helpers/wait.js';

// The rule stacking over the cluster's real NetworkFaults; members as a fixed view of three.
const member = (id: string, port: number, self = false) =>
  ({ id, address: `127.0.0.1:${port}`, self }) as ClusterNode;
const view: ClusterView = {
  nodes: () => [member('n1', 1, true), member('n2', 2), member('n3', 3)],
  node: () => undefined,
  onChange: () => () => {},
};
const rule = (r: Partial<PeerFaultRule>): PeerFaultRule => ({
  peers: 'all',
  direction: 'both',
  delay_ms: 0,
  jitter_ms: 0,
  loss: 0,
  partition: false,
  ...r,
});

describe('chaos rules on the cluster seam', () => {
  it('stacks delay ± jitter and loss, cuts chosen peers, and the last removal leaves a clean network', () => {
    const faults = new NetworkFaults(() => 0.99);
    const seam = new ClusterPeerSeam(faults, view);
    expect(faults.idle).toBe(true);
    const slow = seam.add(rule({ delay_ms: 100, jitter_ms: 30, loss: 0.5 }));
    // A rule in force: the transport asks the seam about every message again.
    expect(faults.idle).toBe(false);
    const more = seam.add(rule({ delay_ms: 50, loss: 0.5 }));
    expect(faults.current).toMatchObject({ delayMs: 120, jitterMs: 60, loss: 0.75 });
    const cut = seam.add(rule({ peers: ['n3'], partition: true }));
    expect(faults.decide('127.0.0.1:1', '127.0.0.1:3').drop).toBe(true);
    expect(faults.decide('127.0.0.1:1', '127.0.0.1:2')).toEqual({ drop: false, delayMs: 120 + 0.99 * 60 });
    expect(seam.active()).toEqual([slow, more, cut]);
    seam.remove(slow);
    seam.remove(more);
    expect(faults.idle).toBe(false);
    for (const id of [cut, cut]) seam.remove(id);
    expect(seam.active()).toEqual([]);
    expect(faults.current).toEqual({ loss: 0, delayMs: 0, jitterMs: 0, partitions: [], shapes: [] });
    // Idle again: the send path skips the seam altogether.
    expect(faults.idle).toBe(true);
  });

  it('puts each rule on its directions: in on what arrives, out on what leaves, both on both', () => {
    const faults = new NetworkFaults(() => 0.99);
    const seam = new ClusterPeerSeam(faults, view);
    const clean = { loss: 0, delayMs: 0, jitterMs: 0, partitions: [], shapes: [] };
    const inbound = seam.add(rule({ direction: 'in', peers: ['n2'], partition: true }));
    const slowIn = seam.add(rule({ direction: 'in', delay_ms: 40 }));
    expect(faults.current).toEqual(clean);
    expect(faults.decideIncoming('127.0.0.1:2', '127.0.0.1:1').drop).toBe(true);
    expect(faults.decideIncoming('127.0.0.1:3', '127.0.0.1:1')).toEqual({ drop: false, delayMs: 40 });
    expect(faults.decide('127.0.0.1:1', '127.0.0.1:2')).toEqual({ drop: false, delayMs: 0 });
    const both = seam.add(rule({ direction: 'both', loss: 0.5 }));
    expect(faults.current.loss).toBe(0.5);
    expect(faults.incoming.loss).toBe(0.5);
    for (const id of [inbound, slowIn, both]) seam.remove(id);
    expect(faults.current).toEqual(clean);
    expect(faults.incoming).toEqual(clean);
  });

  it('puts delay and loss on chosen peers (by id or address) only, and the lowest bandwidth on each', () => {
    const faults = new NetworkFaults(() => 0.5);
    const seam = new ClusterPeerSeam(faults, view);
    const slow = seam.add(rule({ peers: ['n2'], direction: 'out', delay_ms: 100, jitter_ms: 20 }));
    const lossy = seam.add(rule({ peers: ['127.0.0.1:3'], direction: 'in', loss: 0.6 }));
    expect(faults.decide('127.0.0.1:1', '127.0.0.1:2')).toEqual({ drop: false, delayMs: 80 + 0.5 * 40 });
    expect(faults.decide('127.0.0.1:1', '127.0.0.1:3')).toEqual({ drop: false, delayMs: 0 });
    expect(faults.decideIncoming('127.0.0.1:3', '127.0.0.1:1').drop).toBe(true);
    expect(faults.decideIncoming('127.0.0.1:2', '127.0.0.1:1').drop).toBe(false);
    const narrow = seam.add(rule({ peers: ['n3'], bandwidth_kbps: 8 }));
    const wide = seam.add(rule({ bandwidth_kbps: 64 }));
    expect(faults.current.shapes.map((s) => s.bandwidthKbps)).toEqual([undefined, 8, 64]);
    for (const id of [slow, lossy, narrow, wide]) seam.remove(id);
    expect(faults.idle).toBe(true);
  });

  it('bounds what a bandwidth limit queues to 1 MiB per peer, counting drops; a reset releases the rest in order', () => {
    const faults = new NetworkFaults();
    faults.set({ shapes: [{ peers: null, loss: 0, delayMs: 0, jitterMs: 0, bandwidthKbps: 1 }] });
    const released: number[] = [];
    for (let i = 0; i < 1536; i++)
      faults.pace(
        'out',
        '127.0.0.1:2',
        () => 1024,
        () => released.push(i),
      );
    // The 50 ms burst lets the first through; then 1 MiB waits and the rest is dropped.
    expect(released).toEqual([0]);
    expect(faults.bandwidthDropped).toBe(1536 - 1 - 1024);
    faults.reset();
    expect(released).toEqual(Array.from({ length: 1025 }, (_, i) => i));
  });

  it('refuses what the seam cannot do, naming the field, and changes nothing', () => {
    const faults = new NetworkFaults();
    const seam = new ClusterPeerSeam(faults, view);
    const field = (r: Partial<PeerFaultRule>) => {
      try {
        seam.add(rule(r));
      } catch (error) {
        return (error as { field?: string }).field;
      }
    };
    expect(field({ bandwidth_kbps: 0 })).toBe('bandwidth_kbps');
    expect(field({ bandwidth_kbps: 1.5 })).toBe('bandwidth_kbps');
    expect(field({ peers: ['n9'], delay_ms: 10 })).toBe('peers');
    expect(field({ peers: ['n9'], partition: true })).toBe('peers');
    expect(field({})).toBe('partition');
    expect(seam.active()).toEqual([]);
    expect(faults.current).toEqual({ loss: 0, delayMs: 0, jitterMs: 0, partitions: [], shapes: [] });
  });
});

// Two real WebSocket transports (real handshake and MACs) and the seam on one of them.
describe('incoming rules on a real peer transport', () => {
  const open: BareTransport[] = [];
  afterEach(async () => {
    while (open.length) await open.pop()!.close();
  });

  it('partition in: what the peer sends is dropped on arrival, what this node sends still gets there; revert delivers again', async () => {
    const a = await startTransport('a');
    const b = await startTransport('b');
    open.push(a, b);
    const got = { a: [] as number[], b: [] as number[] };
    a.transport.onMessage((m) => got.a.push((m as { seq: number }).seq));
    b.transport.onMessage((m) => got.b.push((m as { seq: number }).seq));
    const ping = (from: string, seq: number): PeerMessage => ({
      type: 'ping',
      seq,
      from,
      to: from === 'a' ? 'b' : 'a',
      updates: [],
    });
    a.transport.send(b.address, ping('a', 1));
    await waitFor(() => got.b.includes(1), 10_000, 'b to get the first ping');

    const members = () =>
      [
        { id: 'a', address: a.address, self: true },
        { id: 'b', address: b.address, self: false },
      ] as ClusterNode[];
    const seam = new ClusterPeerSeam(a.transport.faults, {
      nodes: members,
      node: () => undefined,
      onChange: () => () => {},
    });
    const cut = seam.add(rule({ direction: 'in', peers: ['b'], partition: true }));
    const before = a.transport.stats.bytesReceived;
    b.transport.send(a.address, ping('b', 2));
    // Counted on arrival, before the seam decides (in the same turn): once counted, it was dropped.
    await waitFor(() => a.transport.stats.bytesReceived > before, 10_000, "b's ping to reach a's socket");
    a.transport.send(b.address, ping('a', 3));
    await waitFor(() => got.b.includes(3), 10_000, "a's ping to get through the inbound cut");
    expect(got.a).toEqual([]);

    seam.remove(cut);
    expect(a.transport.faults.incoming.partitions).toEqual([]);
    b.transport.send(a.address, ping('b', 4));
    await waitFor(() => got.a.includes(4), 10_000, "b's ping after the revert");
    expect(got.a).toEqual([4]);
    expect(a.transport.stats.rejected).toEqual({});
  });
});

// Bandwidth and per-peer delay between real WebSocket transports: the seam on `a`'s side.
describe('bandwidth and per-peer delay on a real peer transport', () => {
  const open: BareTransport[] = [];
  afterEach(async () => {
    while (open.length) await open.pop()!.close();
  });

  const seamOn = (self: BareTransport, peers: Record<string, BareTransport>) =>
    new ClusterPeerSeam(self.transport.faults, {
      nodes: () =>
        [
          { id: 'a', address: self.address, self: true },
          ...Object.entries(peers).map(([id, t]) => ({ id, address: t.address, self: false })),
        ] as ClusterNode[],
      node: () => undefined,
      onChange: () => () => {},
    });
  // A ping padded with rumours to about 1 KiB (the peer checks every message against the schema).
  const padded = (seq: number, to: string): PeerMessage => ({
    type: 'ping',
    seq,
    from: 'a',
    to,
    updates: Array.from({ length: 3 }, (_, i) => ({
      kind: 'alive' as const,
      id: `member-${i}-${'x'.repeat(100)}`,
      address: '127.0.0.1:1',
      incarnation: seq,
      meta: testMeta(),
    })),
  });
  /** Sends pings until `bytes` are out, then waits for all of them: the time it took and what arrived. */
  const burst = async (a: BareTransport, b: BareTransport, got: number[], first: number, bytes: number) => {
    const started = performance.now();
    let seq = first;
    for (let sent = 0; sent < bytes; seq++) {
      const message = padded(seq, 'b');
      sent += JSON.stringify(message).length;
      a.transport.send(b.address, message);
    }
    const expected = Array.from({ length: seq - first }, (_, i) => first + i);
    await waitFor(() => got.length >= seq, 20_000, `pings ${first}…${seq - 1} to arrive`);
    return { ms: performance.now() - started, arrived: got.slice(first), expected };
  };

  it.each(['out', 'in'] as const)(
    'bandwidth_kbps=64 (%s): 64 KiB take about a second, arrive complete and in order; the revert releases at once',
    async (direction) => {
      const a = await startTransport('a');
      const b = await startTransport('b');
      open.push(a, b);
      const got: number[] = [];
      b.transport.onMessage((m) => got.push((m as { seq: number }).seq));
      a.transport.send(b.address, padded(0, 'b'));
      await waitFor(() => got.length === 1, 10_000, 'the session to be up');

      // out: a's bucket toward b; in: b's bucket for what comes from a.
      const owner = direction === 'out' ? a : b;
      const seam = direction === 'out' ? seamOn(a, { b }) : seamOn(b, { a });
      const limit = seam.add(
        rule({ direction, peers: [direction === 'out' ? 'b' : 'a'], bandwidth_kbps: 64 }),
      );
      const shaped = await burst(a, b, got, 1, 64 * 1024);
      expect(shaped.arrived).toEqual(shaped.expected);
      // 64 KiB at 64 KiB/s less the 50 ms burst: ≥ 0.8 s however fast the machine.
      expect(shaped.ms).toBeGreaterThanOrEqual(800);
      expect(owner.transport.faults.bandwidthDropped).toBe(0);

      // 128 KiB queued (about 2 s at the rate), then the revert: all of it leaves at once.
      const queuedFrom = got.length;
      let seq = queuedFrom;
      for (let sent = 0; sent < 128 * 1024; seq++) {
        const message = padded(seq, 'b');
        sent += JSON.stringify(message).length;
        a.transport.send(b.address, message);
      }
      const revertedAt = performance.now();
      seam.remove(limit);
      expect(owner.transport.faults.idle).toBe(true);
      await waitFor(() => got.length >= seq, 10_000, 'the queue released by the revert');
      expect(performance.now() - revertedAt).toBeLessThan(shaped.ms);
      expect(got.slice(queuedFrom)).toEqual(
        Array.from({ length: seq - queuedFrom }, (_, i) => queuedFrom + i),
      );

      // Clean again: the same 64 KiB in well under the shaped time.
      const clean = await burst(a, b, got, seq, 64 * 1024);
      expect(clean.arrived).toEqual(clean.expected);
      expect(clean.ms).toBeLessThan(shaped.ms / 2);
    },
  );

  it('a delay on one peer holds its messages and not the other peer’s', async () => {
    const a = await startTransport('a');
    const b = await startTransport('b');
    const c = await startTransport('c');
    open.push(a, b, c);
    const arrived = new Map<string, number>();
    b.transport.onMessage((m) => arrived.set(`b${(m as { seq: number }).seq}`, performance.now()));
    c.transport.onMessage((m) => arrived.set(`c${(m as { seq: number }).seq}`, performance.now()));
    a.transport.send(b.address, padded(0, 'b'));
    a.transport.send(c.address, padded(0, 'c'));
    await waitFor(() => arrived.has('b0') && arrived.has('c0'), 10_000, 'both sessions up');

    const seam = seamOn(a, { b, c });
    const slow = seam.add(rule({ direction: 'out', peers: ['b'], delay_ms: 1_500 }));
    const sentAt = performance.now();
    a.transport.send(b.address, padded(1, 'b'));
    a.transport.send(c.address, padded(1, 'c'));
    await waitFor(() => arrived.has('c1'), 10_000, 'c to get its ping');
    await waitFor(() => arrived.has('b1'), 10_000, 'b to get its delayed ping');
    expect(arrived.get('b1')! - sentAt).toBeGreaterThanOrEqual(1_500);
    // c's went straight through: it was there before b's was even released.
    expect(arrived.get('c1')!).toBeLessThan(sentAt + 1_500);
    seam.remove(slow);
    expect(a.transport.faults.idle).toBe(true);
  });
});

describe('bandwidth on the in-memory network (simulated clock)', () => {
  // About 1 KiB per message, so the rate is read in messages per second.
  const kib = (seq: number): PeerMessage => ({
    type: 'ping',
    seq,
    from: 'a',
    to: 'b',
    updates: [
      {
        kind: 'alive' as const,
        id: `m-${'x'.repeat(715)}`,
        address: '127.0.0.1:1',
        incarnation: seq,
        meta: testMeta(),
      },
    ],
  });
  const shape = (kbps: number) => ({
    shapes: [{ peers: null, loss: 0, delayMs: 0, jitterMs: 0, bandwidthKbps: kbps }],
  });

  it.each(['out', 'in'] as const)(
    'bandwidth_kbps=4 (%s): 12 KiB take about 3 s of the network clock, complete and in order; a reset releases the rest',
    (direction) => {
      const clock = new SimClock();
      const net = new MemoryNetwork(clock, () => 0.5);
      const a = net.endpoint('127.0.0.1:1');
      const b = net.endpoint('127.0.0.1:2');
      const got: number[] = [];
      b.onMessage((m) => got.push((m as { seq: number }).seq));
      (direction === 'out' ? a : b).faults.set(shape(4), direction);
      const size = JSON.stringify(kib(0)).length;
      expect(Math.abs(size - 1024)).toBeLessThan(64);

      for (let i = 0; i < 12; i++) a.send(b.address, kib(i));
      const took = clock.until(() => got.length === 12, 10_000, 5);
      // 12 KiB at 4 KiB/s, less the first message the 50 ms burst lets through.
      expect(took).not.toBeNull();
      expect(took!).toBeGreaterThanOrEqual(2_500);
      expect(took!).toBeLessThanOrEqual(3_100);
      expect(got).toEqual(Array.from({ length: 12 }, (_, i) => i));

      // Queued behind the limit, then the limit is lifted: the rest arrives at the latency.
      for (let i = 12; i < 24; i++) a.send(b.address, kib(i));
      clock.advance(300);
      expect(got.length).toBeLessThan(24);
      (direction === 'out' ? a : b).faults.reset();
      clock.advance(5);
      expect(got).toEqual(Array.from({ length: 24 }, (_, i) => i));
    },
  );

  it('without a limit, messages take the latency alone', () => {
    const clock = new SimClock();
    const net = new MemoryNetwork(clock, () => 0.5, { latencyMs: 2 });
    const a = net.endpoint('127.0.0.1:1');
    const b = net.endpoint('127.0.0.1:2');
    const got: number[] = [];
    b.onMessage((m) => got.push((m as { seq: number }).seq));
    for (let i = 0; i < 12; i++) a.send(b.address, kib(i));
    clock.advance(1);
    expect(got).toEqual([]);
    clock.advance(1);
    expect(got).toHaveLength(12);
  });
});
