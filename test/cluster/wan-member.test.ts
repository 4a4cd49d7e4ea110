import { describe, expect, it } from 'vitest';
import type { MemoryTransport } from '../../daemon/cluster/memory-transport.js';
import { advertisedParams, LAN, linkParams, suspicionBounds, WAN } from '../../daemon/cluster/params.js';
import { convergedCluster, type SimCluster } from '../helpers/swim-sim.js';

const REMOTE = 'n9';

/**
 * A LAN cluster of 10 whose member n9 sits in another region: everything it sends waits 300–600 ms
 * and 5% of it is lost, so every round trip with it takes 300–600 ms (its peers answer at once).
 */
function lanWithRemote(remoteProfile: 'lan' | 'wan', seed: number): SimCluster {
  const cluster = convergedCluster(10, { seed, wan: remoteProfile === 'wan' ? [REMOTE] : [] });
  const remote = cluster.nodes.get(REMOTE)!.transport as MemoryTransport;
  remote.faults.set({ loss: 0.05, delayMs: 300, jitterMs: 300 });
  return cluster;
}

const about = (cluster: SimCluster, kind: 'suspect' | 'dead', since: number) =>
  cluster.events.filter((e) => e.at >= since && e.event.kind === kind);

describe('a member in another region (cluster.profile: wan on that member only)', () => {
  it('timings toward a member are the slower of both profiles, knob by knob', () => {
    expect(linkParams(LAN, advertisedParams({ profile: 'lan' }))).toBe(LAN);
    expect(linkParams(WAN, advertisedParams({ profile: 'lan' }))).toBe(WAN);
    expect(linkParams(LAN, advertisedParams({ profile: 'zzz' }))).toBe(LAN);
    const toRemote = linkParams(LAN, advertisedParams({ profile: 'wan' }));
    expect(toRemote).toEqual({
      ...LAN,
      probeIntervalMs: 5_000,
      probeTimeoutMs: 3_000,
      suspicionMult: 6,
      suspicionMinMult: 1,
    });
    // What bounds detecting a dead remote member at N = 10: a confirmed suspicion of 5 s.
    expect(suspicionBounds(toRemote, 10)).toEqual({ minMs: 5_000, maxMs: 30_000, confirmations: 4 });
  });

  it('advertising wan: no false suspicion in 20 simulated minutes, and its kill is found within the WAN bound', () => {
    const cluster = lanWithRemote('wan', 21);
    const since = cluster.clock.now();
    cluster.clock.advance(20 * 60_000);
    expect(about(cluster, 'suspect', since)).toEqual([]);
    expect(about(cluster, 'dead', since)).toEqual([]);
    for (const [, swim] of cluster.nodes) expect(swim.members.liveCount()).toBe(10);

    const killedAt = cluster.clock.now();
    cluster.kill(REMOTE, false);
    const all = cluster.clock.until(() => cluster.allSee(REMOTE, 'dead'), 60_000);
    expect(all).not.toBeNull();
    const first = about(cluster, 'dead', killedAt).find((e) => e.event.member.id === REMOTE)!;
    // WAN bound: probed within one LAN period (1 s) + one WAN probe (5 s) + confirmed suspicion (5 s).
    expect(first.at - killedAt).toBeLessThanOrEqual(11_000);
    expect(killedAt + all! - first.at).toBeLessThanOrEqual(2_000);
    expect(about(cluster, 'dead', killedAt).filter((e) => e.event.member.id !== REMOTE)).toEqual([]);
  });

  it('with 5% loss everywhere, nobody asks the remote member to relay a probe of a near one', () => {
    const cluster = lanWithRemote('wan', 22);
    cluster.network.faults.set({ loss: 0.05, jitterMs: 20 });
    const since = cluster.clock.now();
    cluster.clock.advance(10 * 60_000);
    const near = [...cluster.nodes].filter(([id]) => id !== REMOTE);
    // Probes failed and went indirect, always through near helpers: the remote one got no ping-req.
    expect(near.reduce((sum, [, swim]) => sum + (swim.stats.sent['ping-req'] ?? 0), 0)).toBeGreaterThan(0);
    expect(cluster.nodes.get(REMOTE)!.stats.received['ping-req'] ?? 0).toBe(0);
    expect(about(cluster, 'dead', since)).toEqual([]);
  });

  it('the same member advertising lan is falsely suspected over the same links (the rule is what saves it)', () => {
    const cluster = lanWithRemote('lan', 21);
    const since = cluster.clock.now();
    // The same 20 minutes the wan member goes without a single suspicion.
    cluster.clock.advance(20 * 60_000);
    const wrongly = (kind: 'suspect' | 'dead') =>
      about(cluster, kind, since).filter((e) => e.event.member.id === REMOTE).length;
    // LAN timings (500 ms ack timeout, 250 ms relays, 0.5 s confirmed suspicion) lose to its round
    // trips whenever a message is lost: suspected again and again, and even declared dead.
    expect(wrongly('suspect')).toBeGreaterThan(0);
    expect(wrongly('dead')).toBeGreaterThan(0);
  });
});
