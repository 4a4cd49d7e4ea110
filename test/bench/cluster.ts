// `npm run bench -- cluster`: SWIM with Lifeguard at N = 50 and N = 1,000 on the in-memory
// transport (5% loss, 100 ms jitter, simulated clock), with memberlist's arithmetic beside ours.
// Prints one JSON line. BENCH_CLUSTER_QUICK=1 shortens the windows (for a smoke run).
import { simulate } from './cluster-sim.js';

export default async function bench(): Promise<void> {
  const quick = process.env.BENCH_CLUSTER_QUICK === '1';
  const started = Date.now();
  const n50 = simulate(50, quick ? 6 : 40, quick ? 60 : 600);
  const n1000 = simulate(1000, quick ? 2 : 10, quick ? 30 : 600);
  const ratio = (a: number, b: number) => Number((a / b).toFixed(2));
  process.stdout.write(
    `${JSON.stringify({
      bench: 'cluster',
      profile: 'lan',
      loss: 0.05,
      jitter_ms: 100,
      sim: { n50, n1000 },
      // memberlist cannot declare a death before its minimum suspicion timeout; ours (confirmed) can.
      vs_memberlist: {
        n50_detect_p99_over_memberlist_min_suspicion: ratio(
          n50.detect_p99_ms,
          n50.memberlist_suspicion_min_ms,
        ),
        n1000_detect_p99_over_memberlist_min_suspicion: ratio(
          n1000.detect_p99_ms,
          n1000.memberlist_suspicion_min_ms,
        ),
      },
      wall_s: Math.round((Date.now() - started) / 1000),
    })}\n`,
  );
}
