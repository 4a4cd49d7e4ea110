// The burst part of `npm run bench -- health`: 2,000 concurrent submits to a real daemon while a
// prober asks /health one request at a time; the daemon's own event-loop delay comes from
// /metrics (prom-client's histogram, reset at every scrape). `node dist/test/bench/submit-burst.js`
// runs it alone.

import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
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

/** Fires BURST_SUBMITS concurrent submits (tasks that wait, so no agent runs) and probes /health meanwhile. */
export async function submitBurst(d: DaemonProcess, submits = BURST_SUBMITS): Promise<BurstResult> {
  const burstAgent = new Agent({ keepAlive: true, maxSockets: submits });
  // Its own connection: the prober must not queue behind the burst in the client.
  const probeAgent = new Agent({ keepAlive: true, maxSockets: 1 });
  const body = JSON.stringify({ message: 'burst', run_after: Date.now() + 365 * 86_400_000 });
  await loopP99Ms(d.url);
  let done = false;
  const probes: number[] = [];
  let probeErrors = 0;
  const prober = (async () => {
    while (!done) {
      const t0 = performance.now();
      if ((await call(`${d.url}/health`, probeAgent).catch(() => 0)) === 200)
        probes.push(performance.now() - t0);
      else probeErrors += 1;
    }
  })();
  const t0 = performance.now();
  const statuses = await Promise.all(
    Array.from({ length: submits }, () =>
      call(`${d.url}/api/v1/tasks`, burstAgent, 'POST', body).catch(() => 0),
    ),
  );
  const seconds = (performance.now() - t0) / 1000;
  done = true;
  await prober;
  const loop = await loopP99Ms(d.url);
  burstAgent.destroy();
  probeAgent.destroy();
  const sorted = [...probes].sort((a, b) => a - b);
  return {
    submits,
    accepted: statuses.filter((s) => s === 201).length,
    submit_seconds: r2(seconds),
    submits_per_s: Math.round(submits / seconds),
    health_probes: probes.length,
    health_errors: probeErrors,
    health_p50_ms: r2(quantile(sorted, 0.5)),
    health_p99_ms: r2(quantile(sorted, 0.99)),
    health_max_ms: r2(sorted[sorted.length - 1] ?? Number.NaN),
    loop_delay_p99_ms: r2(loop),
  };
}

const isMain = import.meta.url === `file://${process.argv[1]}`;
if (isMain) {
  const { mkdtemp, rm } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { cleanupDaemons, startDaemon } = await import('../helpers/daemon-process.js');
  const { writeStandinConfig } = await import('../helpers/standin-config.js');
  const dir = await mkdtemp(join(tmpdir(), 'aidos-burst-'));
  try {
    const d = await startDaemon({
      args: [
        '--config',
        writeStandinConfig(dir),
        ...(process.env.BURST_DB ? ['--db', process.env.BURST_DB] : []),
      ],
      env: { AIDOS_LOG_LEVEL: 'info' },
      nodeArgs: process.env.BURST_NODE_ARGS ? process.env.BURST_NODE_ARGS.split(' ') : [],
    });
    await submitBurst(d, 200);
    process.stdout.write(`${JSON.stringify(await submitBurst(d))}\n`);
  } finally {
    await cleanupDaemons();
    await rm(dir, { recursive: true, force: true });
  }
}
