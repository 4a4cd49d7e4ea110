/**
 * Queue capacity without process start: claims + completions per second of no-op work on one
 * PostgreSQL, ours (the real TaskWorker and PostgresStore, leases, fencing and event history on,
 * with an in-process launcher standing in for agent processes) against graphile-worker 0.17 and
 * pg-boss 10 doing the same no-op work on the same server, one after the other in one run.
 */
import { performance } from 'node:perf_hooks';
import { Logger as GraphileLogger, makeWorkerUtils, run as runGraphile } from 'graphile-worker';
import pg from 'pg';
import PgBoss from 'pg-boss';
import pino from 'pino';
import type { RunOutcome } from '../../../daemon/agents/outcome.js';
import type { Logger } from '../../../daemon/log/logger.js';
import { EventBus } from '../../../daemon/runtime/events.js';
import { migrationRunner } from '../../../daemon/store/open.js';
import { PostgresStore } from '../../../daemon/store/postgres/pg-store.js';
import type { AgentLauncher, LaunchedRun } from '../../../daemon/tasks/launcher.js';
import { TaskFeed } from '../../../daemon/tasks/task-feed.js';
import { TaskWorker } from '../../../daemon/tasks/worker.js';
import { newTask } from '../../store/contract/fixtures.js';

const SUCCEEDED: RunOutcome = {
  kind: 'succeeded',
  exitCode: 0,
  signal: undefined,
  durationMs: 0,
  peakRssBytes: 0,
  cpuMs: 0,
  result: undefined,
  error: undefined,
  retryable: false,
};

/** Benchmark only: "runs" each task in-process and succeeds at once, so only the queue is measured. */
class NoopLauncher implements AgentLauncher {
  launch(): Promise<LaunchedRun> {
    return Promise.resolve({ pid: 0, cancel: () => {}, done: Promise.resolve(SUCCEEDED) });
  }
  profileNames(): string[] {
    return ['default'];
  }
  profileSlots(): number | undefined {
    return undefined;
  }
  async reapSurvivors() {
    return [];
  }
  async sweepFiles(): Promise<number> {
    return 0;
  }
}

/** A database of its own on the server, so the three queues never see each other's rows. */
export async function freshDatabase(serverUrl: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${name}`);
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

const rate = (jobs: number, ms: number) => Math.round((jobs * 1000) / ms);

/** A store as the benchmarks open one. */
export function openStore(url: string, poolMax: number, app: string): PostgresStore {
  return new PostgresStore({
    url,
    poolMax,
    idleTimeoutMs: 30_000,
    statementTimeoutMs: 30_000,
    connectTimeoutMs: 10_000,
    applicationName: app,
  });
}

/** Ours: `nodes` TaskWorkers of `slots` each, every one with its own store pool (as separate daemons have). */
export async function measureOurs(url: string, jobs: number, nodes: number, slots: number) {
  const setup = openStore(url, 4, 'bench-pool-setup');
  await migrationRunner(setup).up();
  for (let i = 0; i < jobs; i += 500)
    await Promise.all(Array.from({ length: Math.min(500, jobs - i) }, () => setup.submitTask(newTask())));
  const logger = pino({ level: 'silent' }) as unknown as Logger;
  const events = new EventBus();
  let done = 0;
  let resolveAll: () => void = () => {};
  const all = new Promise<void>((resolve) => {
    resolveAll = resolve;
  });
  events.on('task.changed', (task) => {
    if (task.state === 'succeeded' && ++done === jobs) resolveAll();
  });
  const stores: PostgresStore[] = [];
  const workers: TaskWorker[] = [];
  for (let n = 0; n < nodes; n++) {
    const store = openStore(url, slots + 2, `bench-pool-n${n}`);
    await store.registerNode({
      id: `n${n}`,
      address: '127.0.0.1:0',
      roles: ['worker'],
      version: 'bench',
      meta: {},
    });
    stores.push(store);
    workers.push(
      new TaskWorker(
        {
          nodeId: `n${n}`,
          slots,
          lease_ms: 30_000,
          renew_every_ms: 10_000,
          guard_after_ms: 25_000,
          poll_interval_ms: 1_000,
          retention_ms: 86_400_000,
          retry_base_ms: 1_000,
          retry_max_ms: 60_000,
        },
        {
          store,
          launcher: new NoopLauncher(),
          feed: new TaskFeed(events),
          logger,
          storeReady: () => true,
          storeFailed: () => {},
        },
      ),
    );
  }
  const started = performance.now();
  await Promise.all(workers.map((w) => w.start()));
  await all;
  const ms = performance.now() - started;
  await Promise.all(workers.map((w) => w.stop()));
  const events_ = await setup.listTaskEvents((await setup.listTasks({ limit: 1 }))[0]?.id ?? '');
  await Promise.all([...stores, setup].map((s) => s.close()));
  return {
    jobs,
    nodes,
    slots,
    ms: Math.round(ms),
    jobs_per_s: rate(jobs, ms),
    events_per_task: events_.length,
  };
}

/** graphile-worker 0.17: default settings, or with its local queue and batched completions. */
export async function measureGraphile(url: string, jobs: number, concurrency: number, batched: boolean) {
  const utils = await makeWorkerUtils({ connectionString: url });
  await utils.migrate();
  for (let i = 0; i < jobs; i += 1000)
    await utils.addJobs(
      Array.from({ length: Math.min(1000, jobs - i) }, () => ({ identifier: 'noop', payload: {} })),
    );
  await utils.release();
  let done = 0;
  let resolveAll: () => void = () => {};
  const all = new Promise<void>((resolve) => {
    resolveAll = resolve;
  });
  const started = performance.now();
  const runner = await runGraphile({
    connectionString: url,
    concurrency,
    noHandleSignals: true,
    pollInterval: 2_000,
    logger: quietGraphileLogger(),
    taskList: { noop: async () => {} },
    ...(batched
      ? { preset: { worker: { localQueue: { size: 500 }, completeJobBatchDelay: 0, failJobBatchDelay: 0 } } }
      : {}),
  });
  runner.events.on('job:success', () => {
    if (++done === jobs) resolveAll();
  });
  await all;
  const ms = performance.now() - started;
  await runner.stop();
  return { jobs, concurrency, batched, ms: Math.round(ms), jobs_per_s: rate(jobs, ms) };
}

function quietGraphileLogger(): GraphileLogger {
  return new GraphileLogger(() => () => {});
}

/** pg-boss 10: `concurrency` workers fetching `batchSize` jobs each poll (its minimum interval, 0.5 s). */
export async function measurePgBoss(url: string, jobs: number, concurrency: number, batchSize: number) {
  const boss = new PgBoss({ connectionString: url, max: concurrency + 2 });
  boss.on('error', () => {});
  await boss.start();
  await boss.createQueue('noop');
  for (let i = 0; i < jobs; i += 1000)
    await boss.insert(Array.from({ length: Math.min(1000, jobs - i) }, () => ({ name: 'noop', data: {} })));
  let done = 0;
  let resolveAll: () => void = () => {};
  const all = new Promise<void>((resolve) => {
    resolveAll = resolve;
  });
  const started = performance.now();
  for (let w = 0; w < concurrency; w++)
    await boss.work('noop', { batchSize, pollingIntervalSeconds: 0.5 }, async (batch) => {
      done += batch.length;
      if (done >= jobs) resolveAll();
    });
  await all;
  const ms = performance.now() - started;
  await boss.stop({ graceful: false, wait: true });
  return { jobs, concurrency, batch_size: batchSize, ms: Math.round(ms), jobs_per_s: rate(jobs, ms) };
}
