import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HealthResultRow, NewTask, Store, Task } from '../../daemon/store/types.js';
import { newId } from '../../shared/ids.js';
import { waitFor } from '../helpers/wait.js';

/** How the contract gets stores: both implementations provide one. */
export interface StoreHarness {
  /** Opens a store on a fresh, migrated, empty database. */
  fresh(): Promise<Store>;
  /** Opens another connection (another "node") to the database of the latest fresh(). */
  another(): Promise<Store>;
}

let seq = 0;
/** Time-sortable ids: later calls sort after earlier ones, even within one millisecond. */
function taskId(): string {
  seq++;
  return `t_${Date.now().toString(36).padStart(9, '0')}${String(seq).padStart(6, '0')}${newId('x').slice(-4)}`;
}

function newTask(overrides: Partial<NewTask> = {}): NewTask {
  return {
    id: taskId(),
    profile: 'default',
    message: 'hello',
    priority: 0,
    max_attempts: 3,
    timeout_ms: 60_000,
    labels: {},
    ...overrides,
  };
}

function healthRow(overrides: Partial<HealthResultRow> = {}): HealthResultRow {
  return {
    node_id: 'n1',
    check_name: 'store:latency',
    status: 'pass',
    observed_value: 1.5,
    observed_unit: 'ms',
    output: null,
    duration_ms: 2,
    at: Date.now(),
    ...overrides,
  };
}

/** Registers the one store test suite against an implementation. */
export function storeContract(name: string, harness: StoreHarness): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store;
    const opened: Store[] = [];

    async function submit(overrides: Partial<NewTask> = {}): Promise<Task> {
      return (await store.submitTask(newTask(overrides))).task;
    }

    async function claimOne(nodeId = 'n1', leaseMs = 30_000, s: Store = store): Promise<Task> {
      const [task] = await s.claimTasks(nodeId, 1, leaseMs);
      if (!task) throw new Error('nothing claimed');
      return task;
    }

    /** Completes node n1's run of `id` under `fence` with a final or retry state; false when refused. */
    function finish(
      id: string,
      fence: number,
      next: 'succeeded' | 'failed',
      error?: string,
    ): Promise<boolean> {
      return store.completeRun({
        id,
        fence,
        node_id: 'n1',
        next,
        event: next,
        ...(error === undefined ? {} : { error }),
      });
    }

    async function another(): Promise<Store> {
      const s = await harness.another();
      opened.push(s);
      return s;
    }

    beforeEach(async () => {
      store = await harness.fresh();
      opened.push(store);
    });

    afterEach(async () => {
      while (opened.length) await opened.pop()?.close();
    });

    describe('nodes', () => {
      it('registers, lists and heartbeats nodes', async () => {
        const started = Date.now() - 10_000;
        await store.registerNode({
          id: 'n1',
          address: '127.0.0.1:7420',
          roles: ['api', 'worker'],
          version: '0.1.0',
          started_at: started,
          meta: { pid: 42 },
        });
        await store.registerNode({
          id: 'n0',
          address: '127.0.0.1:7421',
          roles: ['api'],
          version: '0.1.0',
          meta: {},
        });
        const nodes = await store.listNodes();
        expect(nodes.map((n) => n.id)).toEqual(['n0', 'n1']);
        const n1 = nodes.find((n) => n.id === 'n1')!;
        expect(n1).toMatchObject({
          address: '127.0.0.1:7420',
          roles: ['api', 'worker'],
          version: '0.1.0',
          status: 'up',
          started_at: started,
          meta: { pid: 42 },
        });
        const firstBeat = n1.heartbeat_at;
        await waitFor(() => Date.now() > firstBeat + 2, 1_000, 'the clock to move');
        await store.heartbeatNode('n1', 'draining');
        const after = (await store.listNodes()).find((n) => n.id === 'n1')!;
        expect(after.status).toBe('draining');
        expect(after.heartbeat_at).toBeGreaterThan(firstBeat);
        await store.heartbeatNode('n1');
        expect((await store.listNodes()).find((n) => n.id === 'n1')!.status).toBe('draining');
        // Registering again refreshes the row and marks it up.
        await store.registerNode({
          id: 'n1',
          address: '10.0.0.1:7420',
          roles: ['worker'],
          version: '0.2.0',
          meta: {},
        });
        const again = (await store.listNodes()).find((n) => n.id === 'n1')!;
        expect(again).toMatchObject({
          address: '10.0.0.1:7420',
          roles: ['worker'],
          version: '0.2.0',
          status: 'up',
        });
      });

      it('pings', async () => {
        expect(await store.ping()).toBeGreaterThanOrEqual(0);
        expect(store.dialect).toBe(name);
      });
    });

    describe('submit', () => {
      it('applies defaults and logs a submitted event', async () => {
        const before = Date.now();
        const { task, created } = await store.submitTask(
          newTask({ labels: { team: 'sre' }, priority: 5, node_id: 'n1' }),
        );
        expect(created).toBe(true);
        expect(task).toMatchObject({
          idempotency_key: null,
          profile: 'default',
          message: 'hello',
          priority: 5,
          state: 'queued',
          attempt: 0,
          max_attempts: 3,
          timeout_ms: 60_000,
          labels: { team: 'sre' },
          started_at: null,
          finished_at: null,
          node_id: null,
          lease_expires_at: null,
          fence: 0,
          cancel_requested: false,
          result: null,
          error: null,
        });
        expect(task.created_at).toBeGreaterThanOrEqual(before - 1_000);
        expect(task.run_after).toBe(task.created_at);
        expect(await store.getTask(task.id)).toEqual(task);
        const events = await store.listTaskEvents(task.id);
        expect(events).toHaveLength(1);
        expect(events[0]).toMatchObject({
          task_id: task.id,
          kind: 'submitted',
          node_id: 'n1',
          attempt: 0,
          fence: 0,
        });
      });

      it('returns undefined for an unknown task', async () => {
        expect(await store.getTask('t_nope')).toBeUndefined();
      });

      it('does not let a task with run_after in the future be claimed until it is due', async () => {
        const later = await submit({ run_after: Date.now() + 60_000 });
        const soon = await submit({ run_after: Date.now() + 300 });
        expect(later.run_after).toBeGreaterThan(Date.now() + 50_000);
        expect(await store.claimTasks('n1', 10, 30_000)).toEqual([]);
        expect(await store.oldestQueuedAgeMs()).toBe(0);
        const claimed = await waitFor(
          async () => {
            const got = await store.claimTasks('n1', 10, 30_000);
            return got.length ? got : undefined;
          },
          5_000,
          'the delayed task to become due',
        );
        expect(claimed.map((t) => t.id)).toEqual([soon.id]);
        expect((await store.getTask(later.id))!.state).toBe('queued');
      });

      it('returns the same task for a reused idempotency key and writes no second row', async () => {
        const first = await store.submitTask(newTask({ idempotency_key: 'k1', message: 'one' }));
        const second = await store.submitTask(newTask({ idempotency_key: 'k1', message: 'two' }));
        expect(first.created).toBe(true);
        expect(second.created).toBe(false);
        expect(second.task).toEqual(first.task);
        const all = await store.listTasks({ limit: 100 });
        expect(all).toHaveLength(1);
        expect(await store.listTaskEvents(first.task.id)).toHaveLength(1);
        expect((await store.countTasksByState()).queued).toBe(1);
      });

      it('creates one task when the same idempotency key is submitted concurrently', async () => {
        const other = await another();
        const results = await Promise.all(
          Array.from({ length: 12 }, (_, i) =>
            (i % 2 ? other : store).submitTask(newTask({ idempotency_key: 'race', message: `m${i}` })),
          ),
        );
        expect(results.filter((r) => r.created)).toHaveLength(1);
        expect(new Set(results.map((r) => r.task.id)).size).toBe(1);
        expect(await store.listTasks({ limit: 100 })).toHaveLength(1);
      });

      it('refuses a duplicate id without an idempotency key', async () => {
        const task = newTask();
        await store.submitTask(task);
        await expect(store.submitTask({ ...task, message: 'again' })).rejects.toMatchObject({
          name: 'AidosError',
          kind: 'conflict',
        });
        expect((await store.getTask(task.id))!.message).toBe('hello');
      });
    });

    describe('get and list', () => {
      it('lists newest first with state and label filters and before_id pagination', async () => {
        const a = await submit({ labels: { team: 'a' } });
        const b = await submit({ labels: { team: 'b' } });
        const c = await submit({ labels: { team: 'a', env: 'prod' } });
        const d = await submit();
        await store.requestCancel(b.id, null, 'test');

        expect((await store.listTasks({ limit: 10 })).map((t) => t.id)).toEqual([d.id, c.id, b.id, a.id]);
        expect((await store.listTasks({ limit: 2 })).map((t) => t.id)).toEqual([d.id, c.id]);
        expect((await store.listTasks({ limit: 2, before_id: c.id })).map((t) => t.id)).toEqual([b.id, a.id]);
        expect((await store.listTasks({ limit: 2, before_id: a.id })).map((t) => t.id)).toEqual([]);
        expect((await store.listTasks({ limit: 10, states: ['cancelled'] })).map((t) => t.id)).toEqual([
          b.id,
        ]);
        expect(
          (await store.listTasks({ limit: 10, states: ['queued', 'cancelled'] })).map((t) => t.id),
        ).toEqual([d.id, c.id, b.id, a.id]);
        expect(
          (await store.listTasks({ limit: 10, label: { key: 'team', value: 'a' } })).map((t) => t.id),
        ).toEqual([c.id, a.id]);
        expect(
          (
            await store.listTasks({
              limit: 10,
              label: { key: 'team', value: 'a' },
              states: ['queued'],
              before_id: c.id,
            })
          ).map((t) => t.id),
        ).toEqual([a.id]);
        expect(await store.listTasks({ limit: 10, label: { key: 'team', value: 'zzz' } })).toEqual([]);
      });
    });

    describe('claim', () => {
      it('claims by priority, up to the limit: attempt+1, fence+1, lease, claimed event', async () => {
        const low = await submit({ priority: 0 });
        const high = await submit({ priority: 10 });
        const mid = await submit({ priority: 5 });
        const before = Date.now();
        const claimed = await store.claimTasks('n1', 2, 30_000);
        expect(claimed.map((t) => t.id)).toEqual([high.id, mid.id]);
        for (const t of claimed) {
          expect(t).toMatchObject({
            state: 'running',
            attempt: 1,
            fence: 1,
            node_id: 'n1',
            cancel_requested: false,
          });
          expect(t.lease_expires_at).toBeGreaterThanOrEqual(before + 29_000);
          expect(t.lease_expires_at).toBeLessThanOrEqual(Date.now() + 31_000);
          expect(t.started_at).not.toBeNull();
          const events = await store.listTaskEvents(t.id);
          expect(events.map((e) => e.kind)).toEqual(['submitted', 'claimed']);
          expect(events[1]).toMatchObject({
            node_id: 'n1',
            attempt: 1,
            fence: 1,
            detail: { lease_ms: 30_000 },
          });
        }
        expect((await store.getTask(low.id))!.state).toBe('queued');
        expect(await store.claimTasks('n1', 0, 30_000)).toEqual([]);
        const rest = await store.claimTasks('n2', 5, 30_000);
        expect(rest.map((t) => t.id)).toEqual([low.id]);
        expect(await store.claimTasks('n2', 5, 30_000)).toEqual([]);
        expect(await store.countTasksByState()).toEqual({
          queued: 0,
          running: 3,
          succeeded: 0,
          failed: 0,
          cancelled: 0,
          dead: 0,
        });
      });

      it('filters by profile', async () => {
        const a = await submit({ profile: 'alpha' });
        const b = await submit({ profile: 'beta' });
        expect((await store.claimTasks('n1', 5, 30_000, ['beta'])).map((t) => t.id)).toEqual([b.id]);
        expect(await store.claimTasks('n1', 5, 30_000, ['gamma'])).toEqual([]);
        expect((await store.claimTasks('n1', 5, 30_000, ['alpha', 'gamma'])).map((t) => t.id)).toEqual([
          a.id,
        ]);
      });

      it('never gives one task to two nodes claiming at once', async () => {
        const other = await another();
        const ids = new Set<string>();
        for (let i = 0; i < 40; i++) ids.add((await submit()).id);
        const claims = await Promise.all(
          Array.from({ length: 30 }, (_, i) =>
            (i % 2 ? other : store).claimTasks(i % 2 ? 'n2' : 'n1', 2, 30_000),
          ),
        );
        const got = claims.flat().map((t) => t.id);
        expect(new Set(got).size).toBe(got.length);
        expect(got.length).toBe(40);
        expect(new Set(got)).toEqual(ids);
        for (const t of claims.flat()) expect(t.fence).toBe(1);
        expect((await store.countTasksByState()).running).toBe(40);
      });
    });

    describe('leases', () => {
      it('renews only with the matching fence and node', async () => {
        const task = await submit();
        const claimed = await claimOne('n1', 1_000);
        expect(claimed.id).toBe(task.id);
        expect(await store.renewLeases('n1', [], 60_000)).toEqual([]);
        expect(await store.renewLeases('n2', [{ id: task.id, fence: claimed.fence }], 60_000)).toEqual([]);
        expect(await store.renewLeases('n1', [{ id: task.id, fence: claimed.fence + 1 }], 60_000)).toEqual(
          [],
        );
        expect((await store.getTask(task.id))!.lease_expires_at).toBe(claimed.lease_expires_at);
        expect(
          await store.renewLeases(
            'n1',
            [
              { id: task.id, fence: claimed.fence },
              { id: 't_unknown', fence: 1 },
            ],
            60_000,
          ),
        ).toEqual([task.id]);
        expect((await store.getTask(task.id))!.lease_expires_at).toBeGreaterThan(Date.now() + 50_000);
      });

      it('requeues runs whose lease lapsed; the old fence is then refused', async () => {
        const task = await submit();
        const claimed = await claimOne('n1', 50);
        const requeued = await waitFor(
          async () => {
            const got = await store.requeueExpiredLeases('lease expired');
            return got.length ? got : undefined;
          },
          5_000,
          'the lease to expire',
        );
        expect(requeued.map((t) => t.id)).toEqual([task.id]);
        expect(requeued[0]).toMatchObject({
          state: 'queued',
          attempt: 1,
          lease_expires_at: null,
          error: 'lease expired',
        });
        const events = await store.listTaskEvents(task.id);
        expect(events.at(-1)).toMatchObject({
          kind: 'requeued',
          detail: { reason: 'lease expired', previous_node: 'n1' },
        });
        expect(await finish(task.id, claimed.fence, 'succeeded')).toBe(false);
        const again = await claimOne('n2');
        expect(again).toMatchObject({ id: task.id, attempt: 2, fence: 2, node_id: 'n2' });
        expect(await finish(task.id, claimed.fence, 'succeeded')).toBe(false);
        expect((await store.getTask(task.id))!.state).toBe('running');
        // A live lease is not requeued.
        expect(await store.requeueExpiredLeases('lease expired')).toEqual([]);
      });

      it('requeues the runs of a node, dead when out of attempts', async () => {
        const once = await submit({ max_attempts: 1, priority: 2 });
        const twice = await submit({ max_attempts: 2, priority: 1 });
        const elsewhere = await submit({ priority: 0 });
        const mine = await store.claimTasks('n1', 2, 30_000);
        expect(mine.map((t) => t.id)).toEqual([once.id, twice.id]);
        await claimOne('n2');
        const moved = await store.requeueNodeRuns('n1', 'node n1 left');
        expect(moved.map((t) => [t.id, t.state]).sort()).toEqual(
          [
            [once.id, 'dead'],
            [twice.id, 'queued'],
          ].sort(),
        );
        const dead = (await store.getTask(once.id))!;
        expect(dead).toMatchObject({ state: 'dead', attempt: 1, error: 'node n1 left' });
        expect(dead.finished_at).not.toBeNull();
        expect((await store.listTaskEvents(once.id)).at(-1)!.kind).toBe('dead');
        expect((await store.getTask(twice.id))!).toMatchObject({
          state: 'queued',
          attempt: 1,
          finished_at: null,
        });
        expect((await store.getTask(elsewhere.id))!).toMatchObject({ state: 'running', node_id: 'n2' });
        expect(await finish(twice.id, 1, 'succeeded')).toBe(false);
        expect(await store.requeueNodeRuns('n1', 'again')).toEqual([]);
      });
    });

    describe('completeRun', () => {
      for (const next of ['succeeded', 'failed', 'dead', 'cancelled'] as const) {
        it(`${next} is final and sets finished_at`, async () => {
          const task = await submit();
          const claimed = await claimOne();
          const ok = await store.completeRun({
            id: task.id,
            fence: claimed.fence,
            node_id: 'n1',
            next,
            event: next,
            ...(next === 'succeeded' ? { result: { text: 'done', n: 1 } } : { error: `it ${next}` }),
            detail: { exit_code: next === 'succeeded' ? 0 : 1 },
          });
          expect(ok).toBe(true);
          const after = (await store.getTask(task.id))!;
          expect(after.state).toBe(next);
          expect(after.finished_at).not.toBeNull();
          expect(after.lease_expires_at).toBeNull();
          if (next === 'succeeded') expect(after.result).toEqual({ text: 'done', n: 1 });
          else expect(after.error).toBe(`it ${next}`);
          const last = (await store.listTaskEvents(task.id)).at(-1)!;
          expect(last).toMatchObject({ kind: next, node_id: 'n1', attempt: 1, fence: 1 });
          expect(last.detail.exit_code).toBe(next === 'succeeded' ? 0 : 1);
          // A second completion of the same run is refused.
          expect(await finish(task.id, claimed.fence, 'failed')).toBe(false);
          expect((await store.getTask(task.id))!.state).toBe(next);
        });
      }

      it('queued with a retry delay puts run_after in the future', async () => {
        const task = await submit();
        const claimed = await claimOne();
        const ok = await store.completeRun({
          id: task.id,
          fence: claimed.fence,
          node_id: 'n1',
          next: 'queued',
          retry_delay_ms: 60_000,
          error: 'exit 1',
          event: 'retry_scheduled',
        });
        expect(ok).toBe(true);
        const after = (await store.getTask(task.id))!;
        expect(after).toMatchObject({ state: 'queued', attempt: 1, finished_at: null, error: 'exit 1' });
        expect(after.run_after).toBeGreaterThan(Date.now() + 50_000);
        expect(await store.claimTasks('n1', 5, 30_000)).toEqual([]);
        expect((await store.listTaskEvents(task.id)).at(-1)!.kind).toBe('retry_scheduled');
      });

      it('refuses a stale fence, logs completion_refused and changes nothing', async () => {
        const task = await submit();
        const claimed = await claimOne();
        const before = (await store.getTask(task.id))!;
        const ok = await store.completeRun({
          id: task.id,
          fence: claimed.fence - 1,
          node_id: 'n9',
          next: 'succeeded',
          result: { nope: true },
          event: 'succeeded',
        });
        expect(ok).toBe(false);
        expect(await store.getTask(task.id)).toEqual(before);
        const last = (await store.listTaskEvents(task.id)).at(-1)!;
        expect(last).toMatchObject({ kind: 'completion_refused', node_id: 'n9' });
        expect(last.detail).toMatchObject({ stale_fence: claimed.fence - 1, wanted: 'succeeded' });
        expect(
          await store.completeRun({
            id: 't_missing',
            fence: 1,
            node_id: 'n9',
            next: 'succeeded',
            event: 'succeeded',
          }),
        ).toBe(false);
      });
    });

    describe('cancel and retry', () => {
      it('cancels a queued task at once, flags a running one, leaves a final one', async () => {
        const queued = await submit({ priority: 0 });
        const running = await submit({ priority: 9 });
        expect((await claimOne()).id).toBe(running.id);

        const c1 = (await store.requestCancel(queued.id, 'n1', 'user asked'))!;
        expect(c1).toMatchObject({ state: 'cancelled', error: 'user asked' });
        expect(c1.finished_at).not.toBeNull();
        expect((await store.listTaskEvents(queued.id)).at(-1)).toMatchObject({
          kind: 'cancelled',
          detail: { reason: 'user asked' },
        });

        const c2 = (await store.requestCancel(running.id, 'n1', 'user asked'))!;
        expect(c2).toMatchObject({ state: 'running', cancel_requested: true });
        expect((await store.listTaskEvents(running.id)).at(-1)!.kind).toBe('cancel_requested');

        const final = (await store.getTask(queued.id))!;
        expect(await store.requestCancel(queued.id, 'n1', 'again')).toEqual(final);
        expect(await store.listTaskEvents(queued.id)).toHaveLength(2);
        expect(await store.requestCancel('t_missing', null, 'x')).toBeUndefined();
      });

      it('retries failed, dead and cancelled tasks with a fresh attempt budget', async () => {
        const task = await submit({ max_attempts: 1 });
        const claimed = await claimOne();
        // Not final yet: retry changes nothing.
        expect((await store.retryTask(task.id, 'n1'))!.state).toBe('running');
        await finish(task.id, claimed.fence, 'failed', 'x');
        const retried = (await store.retryTask(task.id, 'n1'))!;
        expect(retried).toMatchObject({
          state: 'queued',
          attempt: 0,
          finished_at: null,
          cancel_requested: false,
        });
        expect((await store.listTaskEvents(task.id)).at(-1)!.kind).toBe('retried');
        const again = await claimOne();
        expect(again).toMatchObject({ id: task.id, attempt: 1, fence: 2 });
        expect(await store.retryTask('t_missing', null)).toBeUndefined();
      });
    });

    describe('counts, age and pruning', () => {
      it('counts tasks by state and measures the oldest due queued task', async () => {
        expect(await store.countTasksByState()).toEqual({
          queued: 0,
          running: 0,
          succeeded: 0,
          failed: 0,
          cancelled: 0,
          dead: 0,
        });
        expect(await store.oldestQueuedAgeMs()).toBe(0);
        await submit({ run_after: Date.now() - 5_000 });
        await submit();
        await submit({ run_after: Date.now() + 60_000 });
        const age = await store.oldestQueuedAgeMs();
        expect(age).toBeGreaterThanOrEqual(4_900);
        expect(age).toBeLessThan(20_000);
        await claimOne();
        const c = await store.countTasksByState();
        expect(c).toMatchObject({ queued: 2, running: 1 });
      });

      it('prunes only final tasks finished before the cutoff, with their events', async () => {
        const old = await submit({ priority: 3 });
        const recent = await submit({ priority: 2 });
        const running = await submit({ priority: 1 });
        const queued = await submit({ priority: 0, run_after: Date.now() + 60_000 });
        const c1 = await claimOne();
        await finish(old.id, c1.fence, 'succeeded');
        const oldDone = (await store.getTask(old.id))!;
        await waitFor(() => Date.now() > oldDone.finished_at! + 5, 1_000, 'the clock to move');
        const c2 = await claimOne();
        await finish(recent.id, c2.fence, 'failed');
        const recentDone = (await store.getTask(recent.id))!;
        expect(recentDone.finished_at!).toBeGreaterThan(oldDone.finished_at! + 1);
        await claimOne();
        expect(await store.pruneFinishedTasks(oldDone.finished_at!)).toBe(0);
        expect(await store.pruneFinishedTasks(oldDone.finished_at! + 1)).toBe(1);
        expect(await store.getTask(old.id)).toBeUndefined();
        expect(await store.listTaskEvents(old.id)).toEqual([]);
        expect(await store.getTask(recent.id)).toBeDefined();
        expect(await store.listTaskEvents(recent.id)).not.toEqual([]);
        // Far future cutoff: every final task goes, queued and running ones stay.
        expect(await store.pruneFinishedTasks(Date.now() + 1_000_000)).toBe(1);
        expect((await store.listTasks({ limit: 10 })).map((t) => t.id).sort()).toEqual(
          [running.id, queued.id].sort(),
        );
      });
    });

    describe('health results', () => {
      it('inserts, lists newest first with filters, and prunes exactly what is older', async () => {
        const base = Date.now();
        await store.insertHealthResults([]);
        await store.insertHealthResults([
          healthRow({ at: base - 3_000 }),
          healthRow({ at: base - 2_000, status: 'warn', output: 'slow', observed_value: 900 }),
          healthRow({ at: base - 1_000, node_id: 'n2' }),
          healthRow({
            at: base,
            check_name: 'disk:free',
            observed_value: null,
            observed_unit: null,
            status: 'fail',
          }),
        ]);
        const all = await store.listHealthResults({ limit: 10 });
        expect(all.map((r) => r.at)).toEqual([base, base - 1_000, base - 2_000, base - 3_000]);
        expect(all[0]).toEqual(
          healthRow({
            at: base,
            check_name: 'disk:free',
            observed_value: null,
            observed_unit: null,
            status: 'fail',
          }),
        );
        expect(all[2]).toEqual(
          healthRow({ at: base - 2_000, status: 'warn', output: 'slow', observed_value: 900 }),
        );
        expect((await store.listHealthResults({ limit: 2 })).map((r) => r.at)).toEqual([base, base - 1_000]);
        expect((await store.listHealthResults({ node_id: 'n2', limit: 10 })).map((r) => r.at)).toEqual([
          base - 1_000,
        ]);
        expect(
          (await store.listHealthResults({ node_id: 'n1', check_name: 'store:latency', limit: 10 })).map(
            (r) => r.at,
          ),
        ).toEqual([base - 2_000, base - 3_000]);
        expect(await store.pruneHealthResults(base - 2_000)).toBe(1);
        expect((await store.listHealthResults({ limit: 10 })).map((r) => r.at)).toEqual([
          base,
          base - 1_000,
          base - 2_000,
        ]);
        expect(await store.pruneHealthResults(base - 2_000)).toBe(0);
        expect(await store.pruneHealthResults(base + 1)).toBe(3);
      });
    });

    describe('onTaskQueued', () => {
      it('fires on submit, retry and requeue, and stops after unsubscribe', async () => {
        let calls = 0;
        const off = store.onTaskQueued(() => {
          calls++;
        });
        if (name === 'postgres') {
          // The LISTEN connection fires once when it is established (notifications may have been missed).
          await waitFor(() => calls > 0, 10_000, 'the LISTEN connection');
        }
        let seen = calls;
        const expectFired = async (what: string) => {
          await waitFor(() => calls > seen, 5_000, `onTaskQueued after ${what}`);
          seen = calls;
        };
        const task = await submit();
        await expectFired('submit');
        const claimed = await claimOne();
        await finish(task.id, claimed.fence, 'failed');
        seen = calls;
        await store.retryTask(task.id, null);
        await expectFired('retry');
        await claimOne();
        seen = calls;
        await store.requeueNodeRuns('n1', 'node gone');
        await expectFired('requeue');
        off();
        seen = calls;
        await submit();
        // Another subscriber proves the notification went out; the removed one must not have fired.
        let other = 0;
        const off2 = store.onTaskQueued(() => {
          other++;
        });
        await submit();
        await waitFor(() => other > 0, 5_000, 'a second subscriber');
        off2();
        expect(calls).toBe(seen);
      });
    });

    describe('appendTaskEvent', () => {
      it('logs an event with the current attempt and fence without changing state', async () => {
        const task = await submit();
        const claimed = await claimOne();
        await store.appendTaskEvent(task.id, 'started', 'n1', { pid: 123 });
        const last = (await store.listTaskEvents(task.id)).at(-1)!;
        expect(last).toMatchObject({
          kind: 'started',
          node_id: 'n1',
          attempt: 1,
          fence: claimed.fence,
          detail: { pid: 123 },
        });
        expect((await store.getTask(task.id))!.state).toBe('running');
        await store.appendTaskEvent('t_missing', 'started', 'n1');
      });
    });
  });
}
