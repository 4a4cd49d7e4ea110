import { describe, expect, it } from 'vitest';
import type { PeerFaultRule } from '../../chaos/faults/context.js';
import { ClusterPeerSeam } from '../../chaos/faults/peer-seam.js';
import { NetworkFaults } from '../../daemon/cluster/faults.js';
import type { ClusterView } from '../../daemon/cluster/view.js';
import type { ClusterNode } from '../../shared/cluster.js';

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
    expect(field({ direction: 'in', partition: true })).toBe('direction');
    expect(field({ bandwidth_kbps: 64 })).toBe('bandwidth_kbps');
    expect(field({ peers: ['n2'], delay_ms: 10 })).toBe('peers');
    expect(field({ peers: ['n9'], partition: true })).toBe('peers');
    expect(seam.active()).toEqual([]);
    expect(faults.current).toEqual({ loss: 0, delayMs: 0, jitterMs: 0, partitions: [] });
  });
});
