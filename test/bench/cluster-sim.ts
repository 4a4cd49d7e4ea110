// The simulation half of `npm run bench -- cluster`: members on the in-memory transport with one
// simulated clock, 5% loss and 100 ms jitter. Detection runs kill a member, time its first death
// verdict and the moment every survivor knows, then restart it so N stays constant.
import { LAN, memberlistSuspicionBounds, suspicionBounds } from '../../daemon/cluster/params.js';
import { convergedCluster, type SimCluster } from '../helpers/swim-sim.js';

/** Figures for one cluster size. */
export interface SimFigures {
  n: number;
  kills: number;
  detect_p50_ms: number;
  detect_p99_ms: number;
  /** Same, when the killed process's connections reset (kill -9 over TCP): peers probe at once. */
  detect_reset_p50_ms: number;
  detect_reset_p99_ms: number;
  informed_after_detect_p50_ms: number;
  informed_after_detect_p99_ms: number;
  false_positives: number;
  fp_window_s: number;
  bytes_per_member_per_s: number;
  sim_cpu_ms_per_member_per_s: number;
  /** Ours: confirmed minimum, unconfirmed maximum, confirmations that reach the minimum. */
  suspicion_min_ms: number;
  suspicion_max_ms: number;
  suspicion_confirmations: number;
  /** memberlist's arithmetic at this N: 4 × log10 N × 1 s, 6 × that, suspicionMult − 2 confirmations. */
  memberlist_suspicion_min_ms: number;
  memberlist_suspicion_max_ms: number;
  memberlist_suspicion_confirmations: number;
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN);
}

function firstVerdict(cluster: SimCluster, subject: string, since: number): number | undefined {
  return cluster.events.find((e) => e.at >= since && e.event.kind === 'dead' && e.event.member.id === subject)
    ?.at;
}

/** Kills `kills` members one after another (connections reset when `reset`), measuring each. */
function detections(cluster: SimCluster, kills: number, reset: boolean) {
  const detect: number[] = [];
  const informed: number[] = [];
  const ids = [...cluster.nodes.keys()];
  for (let i = 0; i < kills; i++) {
    const victim = ids[1 + ((i * 7) % (ids.length - 1))]!;
    const killedAt = cluster.clock.now();
    cluster.kill(victim, reset);
    const all = cluster.clock.until(() => cluster.allSee(victim, 'dead'), 120_000, 20);
    const first = firstVerdict(cluster, victim, killedAt);
    if (all !== null && first !== undefined) {
      detect.push(first - killedAt);
      informed.push(killedAt + all - first);
    }
    cluster.add(victim, ['n0']);
    cluster.clock.until(() => cluster.allSee(victim, 'alive'), 60_000, 50);
    cluster.clock.advance(5_000);
  }
  return { detect, informed };
}

/** Runs one cluster size: a false-positive window under loss, then kills. */
export function simulate(n: number, kills: number, fpWindowS: number, seed = 11): SimFigures {
  const cluster = convergedCluster(n, { seed, measureBytes: true });
  cluster.network.faults.set({ loss: 0.05, jitterMs: 100 });
  // Let the join rumours run out their retransmits: the window measures a cluster at rest.
  cluster.clock.advance(60_000);
  const settled = cluster.events.length;
  const bytesBefore = [...cluster.nodes.values()].reduce((s, m) => s + m.transport.stats.bytesSent, 0);
  const cpuBefore = process.cpuUsage();
  const fpStart = cluster.clock.now();
  cluster.clock.advance(fpWindowS * 1000);
  const cpu = process.cpuUsage(cpuBefore);
  const bytes =
    [...cluster.nodes.values()].reduce((s, m) => s + m.transport.stats.bytesSent, 0) - bytesBefore;
  const falsePositives = cluster.events
    .slice(settled)
    .filter((e) => e.at >= fpStart && e.event.kind === 'dead').length;
  const { detect, informed } = detections(cluster, kills, false);
  const reset = detections(cluster, Math.ceil(kills / 2), true);
  const ours = suspicionBounds(LAN, n);
  const theirs = memberlistSuspicionBounds(LAN, n);
  for (const [, swim] of cluster.nodes) swim.stop();
  return {
    n,
    kills: detect.length,
    detect_p50_ms: quantile(detect, 0.5),
    detect_p99_ms: quantile(detect, 0.99),
    detect_reset_p50_ms: quantile(reset.detect, 0.5),
    detect_reset_p99_ms: quantile(reset.detect, 0.99),
    informed_after_detect_p50_ms: quantile(informed, 0.5),
    informed_after_detect_p99_ms: quantile(informed, 0.99),
    false_positives: falsePositives,
    fp_window_s: fpWindowS,
    bytes_per_member_per_s: Math.round(bytes / n / fpWindowS),
    sim_cpu_ms_per_member_per_s: Number(((cpu.user + cpu.system) / 1000 / n / fpWindowS).toFixed(4)),
    suspicion_min_ms: Math.round(ours.minMs),
    suspicion_max_ms: Math.round(ours.maxMs),
    suspicion_confirmations: ours.confirmations,
    memberlist_suspicion_min_ms: Math.round(theirs.minMs),
    memberlist_suspicion_max_ms: Math.round(theirs.maxMs),
    memberlist_suspicion_confirmations: theirs.confirmations,
  };
}
