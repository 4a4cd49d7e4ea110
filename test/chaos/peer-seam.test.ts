import { afterEach, describe, expect, it } from 'vitest';
import type { PeerFaultRule } from '../../chaos/faults/context.js';
import { ClusterPeerSeam } from '../../chaos/faults/peer-seam.js';
import { NetworkFaults } from '../../daemon/cluster/faults.js';
import type { PeerMessage } from '../../daemon/cluster/types.js';
import type { ClusterView } from '../../daemon/cluster/view.js';
import type { ClusterNode } from '../../shared/cluster.js';
import { type BareTransport, startTransport } from '../helpers/peer-net.js';
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
    expect(faults.current).toEqual({ loss: 0, delayMs: 0, jitterMs: 0, partitions: [] });
    // Idle again: the send path skips the seam altogether.
    expect(faults.idle).toBe(true);
  });

  it('puts each rule on its directions: in on what arrives, out on what leaves, both on both', () => {
    const faults = new NetworkFaults(() => 0.99);
    const seam = new ClusterPeerSeam(faults, view);
    const clean = { loss: 0, delayMs: 0, jitterMs: 0, partitions: [] };
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
    expect(field({ bandwidth_kbps: 64 })).toBe('bandwidth_kbps');
    expect(field({ peers: ['n2'], delay_ms: 10 })).toBe('peers');
    expect(field({ peers: ['n9'], partition: true })).toBe('peers');
    expect(seam.active()).toEqual([]);
    expect(faults.current).toEqual({ loss: 0, delayMs: 0, jitterMs: 0, partitions: [] });
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
