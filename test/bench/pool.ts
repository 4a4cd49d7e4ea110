/**
 * `npm run bench -- pool`: the agent pool. One JSON line with
 * - capacity: claims + completions per second of no-op work (in-process launcher, no process
 *   start) at concurrency 8 on one node and across 4 nodes, against graphile-worker 0.17 and
 *   pg-boss 10 on the same PostgreSQL in the same run, with the ratios;
 * - spread: 4 real daemons, uniform tasks, max/min tasks per node;
 * - failover: kill -9 of a node running tasks → each of its tasks running again elsewhere, p50/p99.
 * BENCH_POOL_JOBS, BENCH_POOL_KILLS, BENCH_POOL_SPREAD_TASKS resize it.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { startThrowawayPostgres } from '../helpers/postgres-server.js';
import { freshDatabase, measureGraphile, measureOurs, measurePgBoss } from './pool/capacity.js';
import { measureFailover, measureSpread } from './pool/cluster.js';

const JOBS = Number(process.env.BENCH_POOL_JOBS ?? 5000);
const KILLS = Number(process.env.BENCH_POOL_KILLS ?? 20);
const SPREAD_TASKS = Number(process.env.BENCH_POOL_SPREAD_TASKS ?? 48);
const PARTS = (process.env.BENCH_POOL_PARTS ?? 'capacity,spread,failover').split(',');

const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
const loadavg = () => Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);

export default async function benchPool(): Promise<void> {
  const server = await startThrowawayPostgres();
  const out: Record<string, unknown> = {
    bench: 'pool',
    at: new Date().toISOString(),
    host: { cpus: availableParallelism(), node: process.version, loadavg_1m: loadavg() },
  };
  try {
    if (PARTS.includes('capacity')) {
      const ours8 = await measureOurs(await freshDatabase(server.url, 'ours1'), JOBS, 1, 8);
      const ours4x8 = await measureOurs(await freshDatabase(server.url, 'ours4'), JOBS, 4, 8);
      const ours4x2 = await measureOurs(await freshDatabase(server.url, 'ours4s'), JOBS, 4, 2);
      const graphile = await measureGraphile(await freshDatabase(server.url, 'gw'), JOBS, 8, false);
      const graphileBatched = await measureGraphile(await freshDatabase(server.url, 'gwb'), JOBS, 8, true);
      const pgboss = await measurePgBoss(await freshDatabase(server.url, 'boss'), JOBS, 8, 100);
      out.capacity = {
        method: `${JOBS} queued no-op jobs drained from one PostgreSQL (same server, a database each); ours: TaskWorker + PostgresStore with an in-process launcher (claim batch, 'started' event, fenced completion, task re-read), leases/fencing/event history on`,
        ours_1x8: ours8,
        ours_4x8: ours4x8,
        ours_4x2: ours4x2,
        graphile_worker: graphile,
        graphile_worker_batched: graphileBatched,
        pg_boss: pgboss,
        ratio_vs_graphile: ratio(ours8.jobs_per_s, graphile.jobs_per_s),
        ratio_vs_graphile_batched: ratio(ours8.jobs_per_s, graphileBatched.jobs_per_s),
        ratio_vs_pg_boss: ratio(ours8.jobs_per_s, pgboss.jobs_per_s),
        ratio_4x8_vs_graphile: ratio(ours4x8.jobs_per_s, graphile.jobs_per_s),
        targets: { vs_graphile: 1, vs_pg_boss: 2 },
      };
    }
    if (PARTS.includes('spread'))
      out.spread = await measureSpread(await freshDatabase(server.url, 'spread'), SPREAD_TASKS);
    if (PARTS.includes('failover'))
      out.failover = await measureFailover(await freshDatabase(server.url, 'failover'), KILLS);
    (out.host as Record<string, unknown>).loadavg_1m_end = loadavg();
    process.stdout.write(`${JSON.stringify(out)}\n`);
  } finally {
    await server.destroy();
  }
}
