import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunOutcome } from '../../daemon/agents/outcome.js';
import { EventBus } from '../../daemon/runtime/events.js';
import type { TaskStore } from '../../daemon/store/facets.js';
import { migrationRunner } from '../../daemon/store/open.js';
import { SqliteStore } from '../../daemon/store/sqlite/sqlite-store.js';
import type { Task } from '../../daemon/store/types.js';
import type { AgentLauncher, LaunchedRun } from '../../daemon/tasks/launcher.js';
import { TaskFeed } from '../../daemon/tasks/task-feed.js';
import { TaskWorker } from '../../daemon/tasks/worker.js';
import { waitFor } from '../helpers/wait.js';
import { newTask } from '../store/contract/fixtures.js';

const LEASE_MS = 10_000;
const silent = pino({ level: 'silent' });
let dir: string;
let count = 0;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'aidos-worker-'));
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** One agent run the test ends by hand; cancel ends it as a killed process would. */
interface FakeRun {
  task: Task;
  cancels: string[];
  finish(outcome: Partial<RunOutcome>): void;
}

/** The launcher seam: records launches; no process is started. */
class FakeLauncher implements AgentLauncher {
  readonly runs = new Map<string, FakeRun>();

  async launch(task: Task): Promise<LaunchedRun> {
    let resolve: (o: RunOutcome) => void = () => {};
    const done = new Promise<RunOutcome>((r) => {
      resolve = r;
    });
    const finish = (o: Partial<RunOutcome>) =>
      resolve({
        kind: 'succeeded',
        exitCode: 0,
        signal: undefined,
        durationMs: 5,
        peakRssBytes: 0,
        cpuMs: undefined,
        result: undefined,
        error: undefined,
        retryable: false,
        ...o,
      });
    const run: FakeRun = { task, cancels: [], finish };
    this.runs.set(task.id, run);
    return {
      pid: 4242,
      cancel: (reason) => {
        run.cancels.push(reason);
        finish({ kind: 'cancelled', exitCode: undefined, signal: 'SIGTERM', error: reason, retryable: true });
      },
      done,
    };
  }
  profileNames = () => ['default'];
  profileSlots = () => undefined;
  reapSurvivors = async () => [];
  sweepFiles = async () => 0;
}

/**
 * The task facet of a real SQLite store behind a switch, as chaos wraps a facet: while `down`,
 * every call fails like an unreachable database. Counts calls per method and outcome.
 */
function switchable(store: TaskStore) {
  const state = { down: false };
  const calls = new Map<string, number>();
  const bump = (key: string) => calls.set(key, (calls.get(key) ?? 0) + 1);
  const facet = new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function' || prop === 'onTaskQueued') return value;
      return (...args: unknown[]) => {
        if (state.down) {
          bump(`${String(prop)}:failed`);
          return Promise.reject(new Error('connect ECONNREFUSED'));
        }
        bump(String(prop));
        return value.apply(target, args);
      };
    },
  });
  return { state, facet, calls: (key: string) => calls.get(key) ?? 0 };
}

async function setup() {
  const store = new SqliteStore({ path: join(dir, `worker-${++count}.db`), busyTimeoutMs: 5_000 });
  await migrationRunner(store).up();
  const sw = switchable(store);
  const launcher = new FakeLauncher();
  const clock = { now: Date.now() };
  const link = { ready: true };
  const worker = new TaskWorker(
    {
      nodeId: 'n1',
      slots: 1,
      lease_ms: LEASE_MS,
      renew_every_ms: 25,
      poll_interval_ms: 50,
      retention_ms: 86_400_000,
      retry_base_ms: 1_000,
      retry_max_ms: 60_000,
    },
    {
      store: sw.facet,
      launcher,
      feed: new TaskFeed(new EventBus(silent)),
      logger: silent,
      storeReady: () => link.ready && !sw.state.down,
      // The store link would mark the store down and bring it back on its next ping.
      storeFailed: () => {
        link.ready = false;
      },
      now: () => clock.now,
    },
  );
  cleanups.push(async () => {
    await worker.stop();
    await store.close();
  });
  const { task } = await store.submitTask(newTask({ message: 'work' }));
  await worker.start();
  const run = await waitFor(() => launcher.runs.get(task.id), 10_000, 'the task to be launched');
  const back = () => {
    sw.state.down = false;
    link.ready = true;
  };
  return { store, sw, launcher, clock, worker, task, run, back };
}

const kinds = async (store: SqliteStore, id: string) => (await store.listTaskEvents(id)).map((e) => e.kind);

describe('TaskWorker', () => {
  it('a lost lease stops the agent and records nothing for the run; the new owner keeps the task', async () => {
    const t = await setup();
    // Another node takes the task over (as after this node was declared dead).
    await t.store.requeueNodeRuns('n1', 'declared dead');
    const [stolen] = await t.store.claimTasks('n2', 1, LEASE_MS);
    expect(stolen?.id).toBe(t.task.id);
    await waitFor(() => t.run.cancels.length > 0, 10_000, 'the agent to be stopped');
    expect(t.run.cancels).toEqual(['lease lost: another node owns this task now']);
    await waitFor(() => t.worker.freeSlots === 1, 10_000, 'the run to be let go');
    expect(t.sw.calls('completeRuns')).toBe(0);
    const after = await t.store.getTask(t.task.id);
    expect(after).toMatchObject({ state: 'running', node_id: 'n2', fence: stolen?.fence });
  });

  it('cut off from the store for longer than the lease allows, it stops its agents itself and records nothing', async () => {
    const t = await setup();
    t.sw.state.down = true;
    await waitFor(() => t.sw.calls('renewLeases:failed') >= 2, 10_000, 'failed renewals');
    // Still within the lease: the agent keeps running.
    expect(t.run.cancels).toEqual([]);
    t.clock.now += LEASE_MS;
    await waitFor(() => t.run.cancels.length > 0, 10_000, 'the agent to be stopped');
    expect(t.run.cancels).toEqual(['store unreachable: lease cannot be renewed']);
    await waitFor(() => t.worker.freeSlots === 1, 10_000, 'the run to be let go');
    expect(t.sw.calls('completeRuns') + t.sw.calls('completeRuns:failed')).toBe(0);
    t.back();
    // The task is left to lease expiry (or to the node that declares us dead): still ours, running.
    expect(await t.store.getTask(t.task.id)).toMatchObject({ state: 'running', node_id: 'n1', attempt: 1 });
  });

  it('a completion that cannot reach the store is kept and lands exactly once when the store is back', async () => {
    const t = await setup();
    t.sw.state.down = true;
    t.run.finish({ kind: 'succeeded', result: { ok: true } as unknown as RunOutcome['result'] });
    await waitFor(() => t.sw.calls('completeRuns:failed') >= 2, 10_000, 'completion attempts while down');
    t.back();
    await waitFor(
      async () => (await t.store.getTask(t.task.id))?.state === 'succeeded',
      10_000,
      'the completion to land',
    );
    expect(t.sw.calls('completeRuns')).toBe(1);
    expect((await kinds(t.store, t.task.id)).filter((k) => k === 'succeeded')).toHaveLength(1);
    expect((await t.store.getTask(t.task.id))?.result).toEqual({ ok: true });
  });

  it('a cancel asked for on any node stops the run and records it as cancelled', async () => {
    const t = await setup();
    await t.store.requestCancel(t.task.id, 'n2', 'user asked');
    await waitFor(() => t.run.cancels.length > 0, 10_000, 'the agent to be stopped');
    expect(t.run.cancels).toEqual(['cancelled by request']);
    await waitFor(
      async () => (await t.store.getTask(t.task.id))?.state === 'cancelled',
      10_000,
      'the task to be cancelled',
    );
    expect(await t.store.getTask(t.task.id)).toMatchObject({ error: 'cancelled by request', node_id: 'n1' });
  });

  it('a graceful shutdown during a run puts the task back in the queue without using up its attempt', async () => {
    const t = await setup();
    expect((await t.store.getTask(t.task.id))?.attempt).toBe(1);
    await t.worker.stop();
    expect(t.run.cancels).toEqual(['daemon stopping']);
    const after = await t.store.getTask(t.task.id);
    expect(after).toMatchObject({ state: 'queued', attempt: 0, error: 'daemon stopping' });
    expect(await kinds(t.store, t.task.id)).toContain('requeued');
  });
});
