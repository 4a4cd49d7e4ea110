// `npm run bench -- health`: loads /health and /health/deep of a real daemon from this (second)
// process with autocannon while stand-in agent tasks run, probes /health during a burst of 2,000
// concurrent submits (submit-burst.ts) on SQLite and on PostgreSQL, then measures the CPU the
// background probes cost over an idle window. Prints one JSON line.
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanupDaemons, type DaemonProcess, startDaemon } from '../helpers/daemon-process.js';
import { startThrowawayPostgres, type ThrowawayPostgres } from '../helpers/postgres-server.js';
import { writeStandinConfig } from '../helpers/standin-config.js';
import { waitFor } from '../helpers/wait.js';
import { clockTicks, cpuSeconds, submitBurst } from './submit-burst.js';

interface CannonResult {
  latency: { p50: number; p99: number; average: number; max: number };
  requests: { average: number; total: number };
  non2xx: number;
  errors: number;
}
type Cannon = (opts: Record<string, unknown>) => Promise<CannonResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Cannon;

const LOAD_SECONDS = 4;
const IDLE_SECONDS = 35;

async function load(url: string) {
  // A short warm-up first, so JIT compilation of the handler is not counted as tail latency.
  await autocannon({ url, connections: 10, duration: 1 });
  const r = await autocannon({ url, connections: 10, duration: LOAD_SECONDS, pipelining: 1 });
  return {
    p50_ms: r.latency.p50,
    p99_ms: r.latency.p99,
    max_ms: r.latency.max,
    req_per_s: Math.round(r.requests.average),
    non_2xx: r.non2xx,
    errors: r.errors,
  };
}

async function submitTasks(d: DaemonProcess, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    await fetch(`${d.url}/api/v1/tasks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'sleep:1500 bench' }),
    });
  }
}

export default async function bench(): Promise<void> {
  const ticks = clockTicks();
  let pg: ThrowawayPostgres | undefined;
  const dir = await mkdtemp(join(tmpdir(), 'aidos-bench-health-'));
  try {
    const config = writeStandinConfig(dir);
    // Info-level logs: the test helper's debug level would log every request into this process.
    const env = { AIDOS_LOG_LEVEL: 'info' };
    const [on, off] = await Promise.all([
      startDaemon({ args: ['--config', config], env }),
      startDaemon({ args: ['--config', config, '--set', 'health.enabled=false'], env }),
    ]);
    const healthQuiet = await load(`${on.url}/health`);
    // Tasks keep the agent slots busy while the endpoints are under load.
    await submitTasks(on, 16);
    const health = await load(`${on.url}/health`);
    await submitTasks(on, 16);
    const deep = await load(`${on.url}/health/deep`);
    // The burst measures one daemon's loop: the 32 stand-in agents above (a Node process each)
    // would otherwise still be starting on the same two cores and be counted against it.
    await waitFor(
      async () => {
        const res = await fetch(`${on.url}/api/v1/tasks?state=queued,running&limit=1`);
        return ((await res.json()) as { tasks: unknown[] }).tasks.length === 0;
      },
      120_000,
      'the tasks of the load phase to end',
    );
    // 2,000 concurrent submits on a fresh daemon of its own, after a warm-up burst of 200.
    const burstDaemon = await startDaemon({ args: ['--config', config], env });
    await submitBurst(burstDaemon, 200);
    const burst = await submitBurst(burstDaemon);
    await burstDaemon.stop();
    // The same on PostgreSQL: one query per submit through the pool, no group commits.
    pg = await startThrowawayPostgres();
    const pgDaemon = await startDaemon({ args: ['--config', config, '--db', pg.url], env });
    await submitBurst(pgDaemon, 200);
    const burstPg = await submitBurst(pgDaemon);
    await pgDaemon.stop();
    const [aStart, bStart] = await Promise.all([
      cpuSeconds(on.child.pid!, ticks),
      cpuSeconds(off.child.pid!, ticks),
    ]);
    const t0 = Date.now();
    await new Promise((r) => setTimeout(r, IDLE_SECONDS * 1000));
    const wall = (Date.now() - t0) / 1000;
    const [aEnd, bEnd] = await Promise.all([
      cpuSeconds(on.child.pid!, ticks),
      cpuSeconds(off.child.pid!, ticks),
    ]);
    const pct = (cpu: number) => Math.round((cpu / wall) * 100 * 1000) / 1000;
    const withProbes = pct(aEnd - aStart);
    const withoutProbes = pct(bEnd - bStart);
    process.stdout.write(
      `${JSON.stringify({
        bench: 'health',
        load_seconds: LOAD_SECONDS,
        connections: 10,
        health_no_tasks: healthQuiet,
        health_with_tasks: health,
        deep_cached_with_tasks: deep,
        burst_2000_submits: burst,
        burst_2000_submits_postgres: burstPg,
        idle_window_s: Math.round(wall),
        idle_cpu_pct_of_core: { health_on: withProbes, health_off: withoutProbes },
        probe_cpu_pct_of_core: Math.round((withProbes - withoutProbes) * 1000) / 1000,
        targets: {
          health_p99_ms: 2,
          deep_p99_ms: 5,
          probe_cpu_pct: 1,
          burst_health_p99_ms: 10,
          burst_loop_delay_p99_ms: 20,
        },
      })}\n`,
    );
  } finally {
    await cleanupDaemons();
    await pg?.destroy().catch(() => {});
    await rm(dir, { recursive: true, force: true });
  }
}
