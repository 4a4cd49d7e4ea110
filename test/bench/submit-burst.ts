// The burst part of `npm run bench -- health`: 2,000 concurrent submits to a real daemon while a
// prober (a worker thread, health-prober.ts) asks /health one request at a time; the daemon's own
// event-loop delay comes from /metrics (prom-client's histogram, reset at every scrape).
// `node dist/test/bench/submit-burst.js` runs it alone (BURST_DB=postgres://… for PostgreSQL).

import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import type { DaemonProcess } from '../helpers/daemon-process.js';

/** Submits in one burst, as the adversarial probe sent them. */
export const BURST_SUBMITS = 2_000;
/** prom-client's event-loop monitor resolution: its histogram counts the timer interval itself. */
const MONITOR_RESOLUTION_MS = 10;

const r2 = (n: number): number => Math.round(n * 100) / 100;

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] as number;
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
export async function cpuSeconds(pid: number, ticksPerSecond = clockTicks()): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command: state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

let ticks: number | undefined;
/** The kernel's clock ticks per second (CLK_TCK), read once. */
export function clockTicks(): number {
  ticks ??= Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  return ticks;
}

async function loopP99Ms(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const seconds = Number(/^nodejs_eventloop_lag_p99_seconds (\S+)$/m.exec(text)?.[1] ?? Number.NaN);
  return Math.max(0, seconds * 1000 - MONITOR_RESOLUTION_MS);
}

/** What the burst measured. */
export interface BurstResult {
  submits: number;
  accepted: number;
  submit_seconds: number;
  submits_per_s: number;
  health_probes: number;
  health_errors: number;
  health_p50_ms: number;
  health_p99_ms: number;
  health_max_ms: number;
  loop_delay_p99_ms: number;
  /**
   * The daemon's CPU time over the burst per submit, in µs: unlike submits_per_s it hardly moves
   * when other processes load the machine, so runs on a busy host still compare.
   */
  daemon_cpu_us_per_submit: number;
}

/** One HTTP request through `agent`; resolves with the status once the body is read. */
function call(url: string, agent: Agent, method = 'GET', body?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method, agent, headers: body ? { 'content-type': 'application/json' } : {} },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Runs the /health prober (health-prober.ts) in a worker thread; `stop` resolves with what it measured. */
async function startProber(
  url: string,
): Promise<{ stop(): Promise<{ latencies: number[]; errors: number }> }> {
  const worker = new Worker(new URL('./health-prober.js', import.meta.url), { workerData: { url } });
  await new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  return {
    stop: () =>
      new Promise((resolve, reject) => {
        worker.once('message', (m) => resolve(m as { latencies: number[]; errors: number }));
        worker.once('error', reject);
        worker.postMessage('stop');
      }),
  };
}

/** Fires BURST_SUBMITS concurrent submits (tasks that wait, so no agent runs) and probes /health meanwhile. */
export async function submitBurst(d: DaemonProcess, submits = BURST_SUBMITS): Promise<BurstResult> {
  const burstAgent = new Agent({ keepAlive: true, maxSockets: submits });
  const body = JSON.stringify({ message: 'burst', run_after: Date.now() + 365 * 86_400_000 });
  await loopP99Ms(d.url);
  const prober = await startProber(d.url);
  const pid = d.child.pid as number;
  const cpuBefore = await cpuSeconds(pid);
  const t0 = performance.now();
  const statuses = await Promise.all(
    Array.from({ length: submits }, () =>
      call(`${d.url}/api/v1/tasks`, burstAgent, 'POST', body).catch(() => 0),
    ),
  );
  const seconds = (performance.now() - t0) / 1000;
  const cpu = (await cpuSeconds(pid)) - cpuBefore;
  const { latencies, errors: probeErrors } = await prober.stop();
  const loop = await loopP99Ms(d.url);
  burstAgent.destroy();
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    submits,
    accepted: statuses.filter((s) => s === 201).length,
    submit_seconds: r2(seconds),
    submits_per_s: Math.round(submits / seconds),
    health_probes: latencies.length,
    health_errors: probeErrors,
    health_p50_ms: r2(quantile(sorted, 0.5)),
    health_p99_ms: r2(quantile(sorted, 0.99)),
    health_max_ms: r2(sorted[sorted.length - 1] ?? Number.NaN),
    loop_delay_p99_ms: r2(loop),
    daemon_cpu_us_per_submit: Math.round((cpu * 1e6) / submits),
  };
}

/** A daemon on the stand-in agents for a burst (BURST_DB=postgres://… puts it on PostgreSQL). */
export async function startBurstDaemon(
  dir: string,
  nodeArgs: string[] = [],
  env: Record<string, string> = {},
) {
  const { startDaemon } = await import('../helpers/daemon-process.js');
  const { writeStandinConfig } = await import('../helpers/standin-config.js');
  return startDaemon({
    args: [
      '--config',
      writeStandinConfig(dir),
      ...(process.env.BURST_DB ? ['--db', process.env.BURST_DB] : []),
    ],
    env: { AIDOS_LOG_LEVEL: 'info', ...env },
    nodeArgs,
  });
}

const isMain = import.meta.url === `file://${process.argv[1]}`;
if (isMain) {
  const { mkdtemp, rm } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { cleanupDaemons } = await import('../helpers/daemon-process.js');
  const dir = await mkdtemp(join(tmpdir(), 'aidos-burst-'));
  try {
    const d = await startBurstDaemon(
      dir,
      process.env.BURST_NODE_ARGS ? process.env.BURST_NODE_ARGS.split(' ') : [],
    );
    await submitBurst(d, 200);
    process.stdout.write(`${JSON.stringify(await submitBurst(d))}\n`);
  } finally {
    await cleanupDaemons();
    await rm(dir, { recursive: true, force: true });
  }
}
