// `npm run bench -- chaos`: (1) time from `chaos.abort` to every fault reverted on a real daemon
// (4 faults of different kinds in force, 20 rounds), and across a real three-node cluster; the
// library's detection and recovery times per scenario as one table (BENCH_CHAOS_SCENARIOS=0 skips); (2) overhead of the fault seams when no fault
// is active: PostgreSQL round trips straight vs through an idle fault proxy, and sleep:0 task
// throughput of a daemon with chaos disabled on a direct store vs chaos enabled with its store
// behind an idle fault proxy, and the ABBA comparison of chaos-overhead.ts (claims/s and peer
// round trips, chaos enabled-idle vs disabled; BENCH_CHAOS_OVERHEAD=0 skips). Prints one JSON line.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { FaultProxy } from '../../chaos/proxy/proxy.js';
import { cleanupDaemons, type DaemonProcess, startDaemon } from '../helpers/daemon-process.js';
import { freePort, startThrowawayPostgres } from '../helpers/postgres-server.js';
import { writeStandinConfig } from '../helpers/standin-config.js';
import { clusterAbortRounds } from './chaos-cluster-abort.js';
import { measureChaosOverhead } from './chaos-overhead.js';
import { scenarioTable } from './chaos-scenarios.js';

const ROUNDS = Number(process.env.BENCH_CHAOS_ROUNDS ?? 20);
const QUERIES = 2_000;
const TASKS = Number(process.env.BENCH_CHAOS_TASKS ?? 60);

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return Number((s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0).toFixed(3));
};
const mean = (xs: number[]) => Number((xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(3));

async function call(d: DaemonProcess, method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${d.url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

async function abortRounds(d: DaemonProcess, victimPid: number) {
  const faults = [
    { kind: 'cpu-stress', workers: 1, share: 0.05 },
    { kind: 'memory-pressure', mb: 16 },
    { kind: 'disk-fill', mb: 2, floor_mb: 1 },
    { kind: 'process-pause', target: { pid: victimPid } },
  ];
  const times: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    for (const fault of faults)
      await call(d, 'POST', '/api/v1/chaos/faults', { fault, duration_ms: 600_000 });
    const started = performance.now();
    const r = (await call(d, 'POST', '/api/v1/chaos/abort', {})) as { reverted: number };
    times.push(performance.now() - started);
    if (r.reverted !== faults.length) throw new Error(`abort reverted ${r.reverted} of ${faults.length}`);
  }
  return {
    rounds: ROUNDS,
    faults_per_round: faults.length,
    p50_ms: pct(times, 50),
    p99_ms: pct(times, 99),
    max_ms: pct(times, 100),
  };
}

async function roundTrips(url: string): Promise<number[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  for (let i = 0; i < 100; i++) await c.query('SELECT 1');
  const times: number[] = [];
  for (let i = 0; i < QUERIES; i++) {
    const t = performance.now();
    await c.query('SELECT 1');
    times.push(performance.now() - t);
  }
  await c.end();
  return times;
}

async function throughput(d: DaemonProcess): Promise<number> {
  const started = performance.now();
  const ids: string[] = [];
  for (let i = 0; i < TASKS; i++)
    ids.push(
      ((await call(d, 'POST', '/api/v1/tasks', { message: 'sleep:0' })) as { task: { id: string } }).task.id,
    );
  for (;;) {
    const r = (await call(d, 'GET', '/api/v1/tasks?state=queued,running&limit=1000')) as { tasks: unknown[] };
    if (r.tasks.length === 0) break;
    await new Promise((res) => setTimeout(res, 20));
  }
  return Number((TASKS / ((performance.now() - started) / 1000)).toFixed(1));
}

export default async function benchChaos(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'aidos-bench-chaos-'));
  const server = await startThrowawayPostgres();
  const victim = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  const proxy = new FaultProxy({
    name: 'pg',
    listenHost: '127.0.0.1',
    listenPort: await freePort(),
    upstreamHost: '127.0.0.1',
    upstreamPort: server.port,
  });
  try {
    const config = writeStandinConfig(dir);
    const quiet = { AIDOS_LOG_LEVEL: 'warn' };
    const chaosOn = await startDaemon({
      args: ['--config', config, '--set', 'chaos.enabled=true'],
      env: quiet,
    });
    const abort = await abortRounds(chaosOn, victim.pid as number);
    await chaosOn.stop();
    const cluster = await clusterAbortRounds(ROUNDS);
    const scenarios = process.env.BENCH_CHAOS_SCENARIOS === '0' ? [] : await scenarioTable();

    await proxy.start();
    const viaProxy = new URL(server.url);
    viaProxy.port = String(proxy.port);
    const direct = await roundTrips(server.url);
    const proxied = await roundTrips(viaProxy.toString());

    // Same database for both daemons, one after the other, so they do not share the cores.
    const off = await startDaemon({ args: ['--config', config, '--db', server.url], env: quiet });
    const offRate = await throughput(off);
    await off.stop();
    const on = await startDaemon({
      args: ['--config', config, '--db', viaProxy.toString(), '--set', 'chaos.enabled=true'],
      env: quiet,
    });
    const onRate = await throughput(on);
    await on.stop();
    const overhead = process.env.BENCH_CHAOS_OVERHEAD === '0' ? undefined : await measureChaosOverhead();
    process.stdout.write(
      `${JSON.stringify({
        bench: 'chaos',
        abort_to_reverted: {
          ...abort,
          target_p99_ms: 1000,
          scope: 'one node',
        },
        abort_to_reverted_cluster: {
          rounds: ROUNDS,
          nodes: 3,
          faults_per_round: cluster.faults,
          p50_ms: pct(cluster.times, 50),
          p99_ms: pct(cluster.times, 99),
          max_ms: pct(cluster.times, 100),
          target_p99_ms: 1000,
          measured: 'abort asked of one node until every node reports no fault in force',
        },
        scenarios,
        seam_idle: {
          pg_round_trip_direct_p50_ms: pct(direct, 50),
          pg_round_trip_idle_proxy_p50_ms: pct(proxied, 50),
          pg_round_trip_ratio_p50: Number((pct(proxied, 50) / pct(direct, 50)).toFixed(3)),
          pg_round_trip_direct_mean_ms: mean(direct),
          pg_round_trip_idle_proxy_mean_ms: mean(proxied),
          tasks_per_s_chaos_disabled_direct: offRate,
          tasks_per_s_chaos_enabled_idle_proxy: onRate,
          tasks_per_s_ratio: Number((onRate / offRate).toFixed(3)),
          target_ratio: 'within 2% (0.98..1.02)',
          tasks: TASKS,
        },
        // The seams with chaos enabled but idle vs disabled, same process, ABBA (chaos-overhead.ts).
        ...(overhead ? { seam_idle_ab: overhead } : {}),
      })}\n`,
    );
  } finally {
    victim.kill('SIGCONT');
    victim.kill('SIGKILL');
    await proxy.close();
    await cleanupDaemons();
    await server.destroy();
    await rm(dir, { recursive: true, force: true });
  }
}
