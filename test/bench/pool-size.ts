/**
 * `npm run bench -- pool-size`: claims/s against `store.pool_max` on an embedded PostgreSQL. For each
 * pool size, BENCH_POOL_TASKS queued tasks are claimed one at a time by BENCH_POOL_CLAIMERS
 * concurrent claimers sharing one store (as a worker's slots do), and completed. One JSON line.
 */
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { migrationRunner } from '../../daemon/store/open.js';
import type { PostgresStore } from '../../daemon/store/postgres/pg-store.js';
import { startThrowawayPostgres } from '../helpers/postgres-server.js';
import { newTask } from '../store/contract/fixtures.js';
import { openStore } from './pool/capacity.js';

const TASKS = Number(process.env.BENCH_POOL_TASKS ?? 3000);
const CLAIMERS = Number(process.env.BENCH_POOL_CLAIMERS ?? 32);
const SIZES = (process.env.BENCH_POOL_SIZES ?? '1,2,4,8,16,32').split(',').map(Number);

const open = (url: string, poolMax: number): PostgresStore => openStore(url, poolMax, 'bench-pool-size');

async function truncate(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('TRUNCATE tasks, task_events RESTART IDENTITY CASCADE');
  } finally {
    await client.end();
  }
}

async function measure(url: string, poolMax: number) {
  const store = open(url, poolMax);
  try {
    await truncate(url);
    for (let i = 0; i < TASKS; i += 500)
      await Promise.all(Array.from({ length: Math.min(500, TASKS - i) }, () => store.submitTask(newTask())));
    let claimed = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CLAIMERS }, async (_, w) => {
        for (;;) {
          const [task] = await store.claimTasks(`n${w}`, 1, 60_000);
          if (!task) return;
          await store.completeRun({
            id: task.id,
            fence: task.fence,
            node_id: `n${w}`,
            next: 'succeeded',
            event: 'succeeded',
          });
          claimed++;
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    return {
      pool_max: poolMax,
      claimed,
      seconds: Math.round(seconds * 100) / 100,
      claims_per_s: Math.round(claimed / seconds),
    };
  } finally {
    await store.close();
  }
}

export default async function benchPool(): Promise<void> {
  const server = await startThrowawayPostgres();
  try {
    const setup = open(server.url, 2);
    await migrationRunner(setup).up();
    await setup.close();
    const results = [];
    for (const size of SIZES) results.push(await measure(server.url, size));
    const loadavg = (await import('node:fs')).readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
    process.stdout.write(
      `${JSON.stringify({
        bench: 'pool-size',
        at: new Date().toISOString(),
        host: { cpus: availableParallelism(), node: process.version, loadavg_1m: Number(loadavg) },
        method: `${TASKS} queued tasks claimed one at a time (claim + completion = 2 round trips) by ${CLAIMERS} concurrent claimers sharing one store; embedded PostgreSQL on the same host`,
        results,
      })}\n`,
    );
  } finally {
    await server.destroy();
  }
}
