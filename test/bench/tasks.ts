/**
 * `npm run bench -- tasks`: the task engine against real daemons (child processes on 127.0.0.1)
 * running the stand-in OpenClaw agent, on SQLite and on a throwaway embedded PostgreSQL, side by
 * side. Prints one JSON line.
 *
 * - submit-to-start latency: sequential submits to an idle daemon; each agent writes its own start
 *   time (`stamp:FILE` directive), compared with the benchmark's clock just before the HTTP call.
 * - throughput: N `sleep:0` tasks with every slot busy, first submit to last final state (pushed
 *   over the /v1/client WebSocket `tasks` subscription).
 * - daemon RSS from /proc/<pid>/status: idle, sampled peak under load, VmHWM, after load.
 * - supervisor overhead: `spawn_ms` / `claim_to_spawn_ms` the worker records in each `started` event.
 */
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import YAML from 'yaml';
import { WsClient } from '../../shared/client/ws-client.js';
import type { Task } from '../../shared/tasks.js';
import { getTask, submit } from '../helpers/api.js';
import { cleanupDaemons, type DaemonProcess, startDaemon } from '../helpers/daemon-process.js';
import { startThrowawayPostgres, type ThrowawayPostgres } from '../helpers/postgres-server.js';
import { standinArgs } from '../helpers/standin-config.js';

const LATENCY_SAMPLES = Number(process.env.BENCH_LATENCY_SAMPLES ?? 200);
const WARMUP = 10;
const THROUGHPUT_TASKS = Number(process.env.BENCH_THROUGHPUT_TASKS ?? 300);
const SLOTS = 2;
const SUBMIT_CONCURRENCY = 4;

const TARGETS = {
  submit_to_start_p50_ms: { sqlite: 10, postgres: 20 },
  claim_to_spawn_ms: 5,
  idle_rss_mb: 80,
};
/** Peer references: pg-boss's default polling interval; graphile-worker's published average job latency. */
const PGBOSS_POLL_MS = 2000;
const GRAPHILE_WORKER_AVG_MS = 4.16;

const FINAL = new Set(['succeeded', 'failed', 'cancelled', 'dead']);

/** Wall clock with sub-millisecond resolution (same epoch as the agents' `performance.timeOrigin`). */
const now = (): number => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const r2 = (n: number): number => Math.round(n * 100) / 100;

interface Stats {
  n: number;
  p50: number;
  p99: number;
  mean: number;
  min: number;
  max: number;
}

function stats(values: number[]): Stats {
  const v = [...values].sort((a, b) => a - b);
  if (v.length === 0) return { n: 0, p50: Number.NaN, p99: Number.NaN, mean: Number.NaN, min: 0, max: 0 };
  // Nearest rank.
  const at = (p: number) => v[Math.min(v.length - 1, Math.max(0, Math.ceil((p / 100) * v.length) - 1))] ?? 0;
  return {
    n: v.length,
    p50: r2(at(50)),
    p99: r2(at(99)),
    mean: r2(v.reduce((a, b) => a + b, 0) / v.length),
    min: r2(v[0] ?? 0),
    max: r2(v[v.length - 1] ?? 0),
  };
}

/** Node flags the systemd unit sets (NODE_OPTIONS): a 1 MB semi-space instead of 16 MB. */
const DEPLOY_NODE_ARGS = ['--max-semi-space-size=1'];

/** A field of /proc/<pid>/status in MB (VmRSS, VmHWM). */
function procMb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${field}:`));
  const kb = Number(line?.split(/\s+/)[1] ?? Number.NaN);
  return r2(kb / 1024);
}

/** User + system CPU the process has used so far, ms (/proc/<pid>/stat, clock ticks of 10 ms). */
function procCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Final states pushed over the WebSocket, with the benchmark's clock when each arrived. */
class FinalWatcher {
  private readonly finals = new Map<string, { at: number; state: string }>();
  private readonly waiters = new Map<string, (f: { at: number; state: string }) => void>();

  private constructor(private readonly client: WsClient) {
    client.onEvent((frame) => {
      if (frame.topic !== 'tasks') return;
      const at = now();
      const tasks = (frame.kind === 'snapshot' ? frame.data : [frame.data]) as Task[];
      for (const task of tasks) {
        if (!FINAL.has(task.state) || this.finals.has(task.id)) continue;
        const final = { at, state: task.state };
        this.finals.set(task.id, final);
        this.waiters.get(task.id)?.(final);
        this.waiters.delete(task.id);
      }
    });
  }

  static async open(url: string): Promise<FinalWatcher> {
    const client = new WsClient({ url });
    const watcher = new FinalWatcher(client);
    await client.subscribe(['tasks']);
    return watcher;
  }

  wait(id: string, timeoutMs: number): Promise<{ at: number; state: string }> {
    const seen = this.finals.get(id);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(id);
        reject(new Error(`task ${id} did not finish within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.set(id, (f) => {
        clearTimeout(timer);
        resolve(f);
      });
    });
  }

  close(): void {
    this.client.close();
  }
}

/** Overhead the worker recorded in the task's `started` event, plus store-clock submit→claim. */
async function timings(url: string, id: string) {
  const { events } = await getTask(url, id);
  const started = events.find((e) => e.kind === 'started');
  const submitted = events.find((e) => e.kind === 'submitted');
  const claimed = events.find((e) => e.kind === 'claimed');
  return {
    claimed_at: claimed?.at ?? Number.NaN,
    spawn_ms: Number(started?.detail.spawn_ms ?? Number.NaN),
    claim_to_spawn_ms: Number(started?.detail.claim_to_spawn_ms ?? Number.NaN),
    submit_to_claim_store_ms: claimed && submitted ? claimed.at - submitted.at : Number.NaN,
  };
}

async function latencyPhase(daemon: DaemonProcess, watcher: FinalWatcher, stampDir: string) {
  const toStart: number[] = [];
  const toJs: number[] = [];
  const http: number[] = [];
  const spawn: number[] = [];
  const claimToSpawn: number[] = [];
  const toClaimStore: number[] = [];
  const claimToAgent: number[] = [];
  for (let i = 0; i < WARMUP + LATENCY_SAMPLES; i++) {
    const stampFile = join(stampDir, `s${i}.json`);
    const t0 = now();
    const task = await submit(daemon.url, {
      message: `sleep:0 stamp:${stampFile}`,
      labels: { bench: 'latency' },
    });
    const t1 = now();
    const final = await watcher.wait(task.id, 30_000);
    if (final.state !== 'succeeded') throw new Error(`latency task ${task.id} ended ${final.state}`);
    const stamp = JSON.parse(await readFile(stampFile, 'utf8')) as {
      process_start: number;
      js_ready: number;
    };
    const t = await timings(daemon.url, task.id);
    if (i >= WARMUP) {
      toStart.push(stamp.process_start - t0);
      toJs.push(stamp.js_ready - t0);
      http.push(t1 - t0);
      spawn.push(t.spawn_ms);
      claimToSpawn.push(t.claim_to_spawn_ms);
      toClaimStore.push(t.submit_to_claim_store_ms);
      claimToAgent.push(stamp.process_start - t.claimed_at);
    }
    // Let the completion settle so every sample starts from an idle daemon.
    await sleep(5);
  }
  return {
    submit_to_start_ms: stats(toStart),
    submit_to_agent_js_ms: stats(toJs),
    submit_http_ms: stats(http),
    submit_to_claim_store_ms: stats(toClaimStore),
    spawn_ms: stats(spawn),
    claim_to_spawn_ms: stats(claimToSpawn),
    claim_to_agent_start_ms: stats(claimToAgent),
  };
}

async function throughputPhase(daemon: DaemonProcess, watcher: FinalWatcher) {
  const pid = daemon.child.pid ?? 0;
  let peakRss = procMb(pid, 'VmRSS');
  const sampler = setInterval(() => {
    try {
      peakRss = Math.max(peakRss, procMb(pid, 'VmRSS'));
    } catch {
      // Exited; the phase fails elsewhere.
    }
  }, 50);
  try {
    const ids: string[] = [];
    let next = 0;
    const cpuBefore = procCpuMs(pid);
    const start = now();
    await Promise.all(
      Array.from({ length: SUBMIT_CONCURRENCY }, async () => {
        while (next < THROUGHPUT_TASKS) {
          next++;
          ids.push((await submit(daemon.url, { message: 'sleep:0', labels: { bench: 'throughput' } })).id);
        }
      }),
    );
    const submitted = now();
    const finals = await Promise.all(ids.map((id) => watcher.wait(id, 120_000)));
    const wallMs = Math.max(...finals.map((f) => f.at)) - start;
    const daemonCpuMs = procCpuMs(pid) - cpuBefore;
    const succeeded = finals.filter((f) => f.state === 'succeeded').length;
    const hwm = procMb(pid, 'VmHWM');
    const spawn: number[] = [];
    const claimToSpawn: number[] = [];
    for (let i = 0; i < ids.length; i += 10) {
      for (const t of await Promise.all(ids.slice(i, i + 10).map((id) => timings(daemon.url, id)))) {
        spawn.push(t.spawn_ms);
        claimToSpawn.push(t.claim_to_spawn_ms);
      }
    }
    return {
      throughput: {
        tasks: ids.length,
        slots: SLOTS,
        succeeded,
        submit_all_ms: r2(submitted - start),
        wall_s: r2(wallMs / 1000),
        tasks_per_s: r2(ids.length / (wallMs / 1000)),
        daemon_cpu_ms_per_task: r2(daemonCpuMs / ids.length),
        spawn_ms: stats(spawn),
        claim_to_spawn_ms: stats(claimToSpawn),
      },
      peakRss,
      hwm,
    };
  } finally {
    clearInterval(sampler);
  }
}

async function benchStore(name: 'sqlite' | 'postgres', root: string, storeArgs: string[]) {
  const dir = join(root, name);
  await mkdir(join(dir, 'stamps'), { recursive: true });
  const config = join(dir, 'aidos-bench.yaml');
  await writeFile(
    config,
    YAML.stringify({
      agents: {
        default_profile: 'standin',
        slots: SLOTS,
        profiles: { standin: { command: process.execPath, args: standinArgs(), timeout: '30s' } },
      },
    }),
  );
  // Idle RSS with Node's default flags, from a daemon of its own, for comparison.
  const plain = await startDaemon({
    args: ['--config', config, ...storeArgs],
    env: { AIDOS_LOG_LEVEL: 'info' },
  });
  await sleep(1000);
  const idleRssDefaultFlags = procMb(plain.child.pid ?? 0, 'VmRSS');
  await cleanupDaemons();
  // Measured as deployed: deploy/aidosd.service runs node with DEPLOY_NODE_ARGS (NODE_OPTIONS).
  const daemon = await startDaemon({
    args: ['--config', config, ...storeArgs],
    env: { AIDOS_LOG_LEVEL: 'info' },
    nodeArgs: DEPLOY_NODE_ARGS,
  });
  const pid = daemon.child.pid ?? 0;
  await sleep(1000);
  const idleRss = procMb(pid, 'VmRSS');
  const watcher = await FinalWatcher.open(daemon.url);
  try {
    const latency = await latencyPhase(daemon, watcher, join(dir, 'stamps'));
    const { throughput, peakRss, hwm } = await throughputPhase(daemon, watcher);
    await sleep(1000);
    const afterRss = procMb(pid, 'VmRSS');
    const p50 = latency.submit_to_start_ms.p50;
    return {
      ...latency,
      throughput,
      rss_mb: {
        idle: idleRss,
        idle_node_default_flags: idleRssDefaultFlags,
        peak_sampled: r2(peakRss),
        peak_vmhwm: hwm,
        after_load: afterRss,
      },
      meets: {
        submit_to_start_p50: p50 <= TARGETS.submit_to_start_p50_ms[name],
        claim_to_spawn_p50: latency.claim_to_spawn_ms.p50 <= TARGETS.claim_to_spawn_ms,
        idle_rss: idleRss <= TARGETS.idle_rss_mb,
      },
      vs_pgboss_poll_ratio: r2(p50 / PGBOSS_POLL_MS),
      vs_graphile_worker_ratio: r2(p50 / GRAPHILE_WORKER_AVG_MS),
      vs_graphile_worker_ratio_pickup_only: r2(latency.submit_to_claim_store_ms.p50 / GRAPHILE_WORKER_AVG_MS),
    };
  } finally {
    watcher.close();
    await cleanupDaemons();
  }
}

export default async function benchTasks(): Promise<void> {
  const began = now();
  const root = await mkdtemp(join(tmpdir(), 'aidos-bench-'));
  let pg: ThrowawayPostgres | undefined;
  const cleanup = async () => {
    await cleanupDaemons();
    await pg?.destroy().catch(() => {});
    await rm(root, { recursive: true, force: true });
  };
  const onSignal = (signal: NodeJS.Signals) => {
    void cleanup().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const sqlite = await benchStore('sqlite', root, []);
    pg = await startThrowawayPostgres();
    const postgres = await benchStore('postgres', root, ['--db', pg.url]);
    const result = {
      bench: 'tasks',
      at: new Date().toISOString(),
      host: { cpus: availableParallelism(), node: process.version, platform: process.platform },
      method: {
        submit_to_start:
          'sequential submits to an idle daemon; t0 = benchmark clock just before the HTTP POST; start = the agent process own performance.timeOrigin (runtime start, after the setpriv and node execs), written by the stand-in via its stamp:FILE directive; same host clock',
        submit_to_agent_js:
          'same, to the first line of the stand-in JavaScript (includes Node boot of the agent)',
        submit_to_claim_store: 'claimed.at - submitted.at task events, store clock, 1 ms resolution',
        spawn_ms:
          'in the daemon: performance.now() around launcher.launch (run dir, message file, execa spawn, journal write), recorded in the started event',
        claim_to_spawn_ms:
          'in the daemon: claim query returned -> launcher.launch resolved (includes the journal write the supervisor awaits after the spawn)',
        claim_to_agent_start:
          'claimed event at (store clock, 1 ms resolution; same host clock) -> agent process_start as for submit_to_start',
        throughput: `${THROUGHPUT_TASKS} tasks of sleep:0 with ${SLOTS} slots, first submit -> last final state pushed over the /v1/client tasks subscription`,
        rss: '/proc/<daemon pid>/status: VmRSS 1 s after ready (node --max-semi-space-size=1 as deploy/aidosd.service runs it; idle_node_default_flags: plain node), sampled every 50 ms under load, VmHWM, VmRSS 1 s after load',
      },
      config: { latency_samples: LATENCY_SAMPLES, warmup: WARMUP, slots: SLOTS, log_level: 'info' },
      targets: { ...TARGETS, pgboss_poll_ms: PGBOSS_POLL_MS, graphile_worker_avg_ms: GRAPHILE_WORKER_AVG_MS },
      sqlite,
      postgres,
      duration_s: 0,
    };
    result.duration_s = r2((now() - began) / 1000);
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await cleanup();
  }
}
