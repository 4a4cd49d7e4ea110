// `npm run bench -- cluster`: SWIM with Lifeguard, LAN profile. Three parts, one JSON line:
// - sim: N = 50 and N = 1,000 on the in-memory transport (5% loss, 100 ms jitter, simulated clock),
//   silent kills and kills with connection resets, false positives over 10 minutes;
// - ws: N = 25 and 50 members in this process over real authenticated WebSockets;
// - daemons: N = 5 and 10 real daemons (child processes) on one throwaway PostgreSQL.
// memberlist's arithmetic is printed beside ours. BENCH_CLUSTER_QUICK=1 shortens every window.
import { availableParallelism, loadavg } from 'node:os';
import { simulate } from './cluster-sim.js';
import { daemonParts, inProcess } from './cluster-ws.js';

export default async function bench(): Promise<void> {
  const quick = process.env.BENCH_CLUSTER_QUICK === '1';
  const started = Date.now();
  const load = [loadavg()[0]!];
  const n50 = simulate(50, quick ? 10 : 40, quick ? 60 : 600);
  const n1000 = simulate(1000, quick ? 2 : 10, quick ? 30 : 600);
  load.push(loadavg()[0]!);
  const ws25 = await inProcess(25, quick ? 3 : 10, quick ? 10 : 60);
  const ws50 = await inProcess(50, quick ? 3 : 10, quick ? 10 : 60);
  load.push(loadavg()[0]!);
  const [d5, d10] = await daemonParts([5, 10], quick ? 2 : 5, quick ? 10 : 60);
  load.push(loadavg()[0]!);
  const ratio = (a: number, b: number) => Number((a / b).toFixed(2));
  process.stdout.write(
    `${JSON.stringify({
      bench: 'cluster',
      at: new Date().toISOString(),
      quick,
      profile: 'lan',
      // CPU and wall-clock figures were taken on a shared machine: say how loaded it was.
      host: {
        cpus: availableParallelism(),
        node: process.version,
        loadavg_1m: load.map((l) => Number(l.toFixed(1))),
      },
      sim: { loss: 0.05, jitter_ms: 100, n50, n1000 },
      ws: { n25: ws25, n50: ws50 },
      daemons: { n5: d5, n10: d10 },
      targets: {
        n50_detect_p99_ms_max: 3000,
        informed_after_detect_ms_max: 2000,
        cpu_core_fraction_per_member_max: 0.01,
        bytes_per_member_per_s_max_at_n50: 2048,
      },
      // memberlist cannot declare a death before its minimum suspicion timeout (6.8 s at N = 50).
      vs_memberlist: {
        n50_detect_p99_over_memberlist_min_suspicion: ratio(
          n50.detect_p99_ms,
          n50.memberlist_suspicion_min_ms,
        ),
        n1000_detect_p99_over_memberlist_min_suspicion: ratio(
          n1000.detect_p99_ms,
          n1000.memberlist_suspicion_min_ms,
        ),
        ws_n50_detect_p99_over_memberlist_min_suspicion: ratio(
          ws50.detect_p99_ms,
          n50.memberlist_suspicion_min_ms,
        ),
      },
      wall_s: Math.round((Date.now() - started) / 1000),
    })}\n`,
  );
}
