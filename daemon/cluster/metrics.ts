import client from 'prom-client';
import type { DaemonMetrics } from '../metrics/registry.js';
import type { Swim } from './swim.js';
import type { TransportStats } from './transport.js';

type Labels = Record<string, string>;

/** A counter that follows a running total read at scrape time (prom-client counters only go up by inc). */
function followingCounter(
  registry: client.Registry,
  name: string,
  help: string,
  labelNames: string[],
  read: () => [Labels, number][],
): void {
  const last = new Map<string, number>();
  const counter: client.Counter<string> = new client.Counter({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      for (const [labels, total] of read()) {
        const key = JSON.stringify(labels);
        const delta = total - (last.get(key) ?? 0);
        if (delta > 0) counter.inc(labels, delta);
        last.set(key, total);
      }
    },
  });
}

/** Cluster figures on /metrics: members by state, messages, probes, suspicions, refutations, bytes, refusals. */
export function clusterMetrics(metrics: DaemonMetrics, swim: () => Swim | undefined): () => void {
  const stats = (): TransportStats =>
    swim()?.transport.stats ?? { bytesSent: 0, bytesReceived: 0, rejected: {} };
  const registry = metrics.registry;
  new client.Gauge({
    name: 'aidos_gossip_local_health_score',
    help: 'Lifeguard local health score of this node (0 healthy; timeouts are multiplied by score + 1)',
    registers: [registry],
    collect() {
      this.set(swim()?.awareness.score ?? 0);
    },
  });
  // The runtime's hooks: members by state, and messages by direction and type.
  const members = metrics.gossipMembers;
  const messages = new Map<string, number>();
  const refresh = () => {
    const s = swim();
    if (!s) return;
    for (const state of ['alive', 'suspect', 'dead', 'left'])
      members.set({ state }, s.members.all().filter((m) => m.state === state).length);
    for (const [direction, counts] of [
      ['sent', s.stats.sent],
      ['received', s.stats.received],
    ] as const)
      for (const [type, total] of Object.entries(counts)) {
        const key = `${direction}:${type}`;
        const delta = total - (messages.get(key) ?? 0);
        if (delta > 0) metrics.gossipMessages.inc({ direction, type }, delta);
        messages.set(key, total);
      }
  };
  const stat = (pick: (s: Swim) => number): [Labels, number][] => {
    refresh();
    const s = swim();
    return s ? [[{}, pick(s)]] : [];
  };
  followingCounter(registry, 'aidos_gossip_probes_total', 'Probes started', [], () =>
    stat((s) => s.stats.probes),
  );
  followingCounter(
    registry,
    'aidos_gossip_probe_failures_total',
    'Probes without an ack, direct or indirect',
    [],
    () => stat((s) => s.stats.probeFailures),
  );
  followingCounter(registry, 'aidos_gossip_suspicions_total', 'Members this node suspected', [], () =>
    stat((s) => s.stats.suspicions),
  );
  followingCounter(registry, 'aidos_gossip_refutations_total', 'Rumours about this node it refuted', [], () =>
    stat((s) => s.stats.refutations),
  );
  followingCounter(
    registry,
    'aidos_gossip_bytes_total',
    'Peer bytes sent and received',
    ['direction'],
    () => [
      [{ direction: 'sent' }, stats().bytesSent],
      [{ direction: 'received' }, stats().bytesReceived],
    ],
  );
  followingCounter(
    registry,
    'aidos_gossip_rejected_total',
    'Peer frames and handshakes refused, by reason (auth, replay, malformed, oversized, rate_limited, store_identity, handshake)',
    ['reason'],
    () => Object.entries(stats().rejected).map(([reason, n]) => [{ reason }, n]),
  );
  // The runtime's gauge is registered before these: refresh it on a timer too, not only at scrape.
  return refresh;
}
