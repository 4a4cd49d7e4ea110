import { describe, expect, it } from 'vitest';
import { waitFor } from '../../helpers/wait.js';
import { type ContractContext, newTask } from './fixtures.js';

/** Submitting tasks (idempotency included), getting and listing them. */
export function defineSubmissionContract(ctx: ContractContext): void {
  const { submit, another } = ctx;
  describe('submit', () => {
    it('applies defaults and logs a submitted event', async () => {
      const before = Date.now();
      const { task, created } = await ctx.store.submitTask(
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
      expect(await ctx.store.getTask(task.id)).toEqual(task);
      const events = await ctx.store.listTaskEvents(task.id);
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
      expect(await ctx.store.getTask('t_nope')).toBeUndefined();
    });

    it('does not let a task with run_after in the future be claimed until it is due', async () => {
      const later = await submit({ run_after: Date.now() + 60_000 });
      const soon = await submit({ run_after: Date.now() + 300 });
      expect(later.run_after).toBeGreaterThan(Date.now() + 50_000);
      expect(await ctx.store.claimTasks('n1', 10, 30_000)).toEqual([]);
      expect(await ctx.store.oldestQueuedAgeMs()).toBe(0);
      const claimed = await waitFor(
        async () => {
          const got = await ctx.store.claimTasks('n1', 10, 30_000);
          return got.length ? got : undefined;
        },
        5_000,
        'the delayed task to become due',
      );
      expect(claimed.map((t) => t.id)).toEqual([soon.id]);
      expect((await ctx.store.getTask(later.id))!.state).toBe('queued');
    });

    it('returns the same task for a reused idempotency key and writes no second row', async () => {
      const first = await ctx.store.submitTask(newTask({ idempotency_key: 'k1', message: 'one' }));
      const second = await ctx.store.submitTask(newTask({ idempotency_key: 'k1', message: 'two' }));
      expect(first.created).toBe(true);
      expect(second.created).toBe(false);
      expect(second.task).toEqual(first.task);
      const all = await ctx.store.listTasks({ limit: 100 });
      expect(all).toHaveLength(1);
      expect(await ctx.store.listTaskEvents(first.task.id)).toHaveLength(1);
      expect((await ctx.store.countTasksByState()).queued).toBe(1);
    });

    it('creates one task when the same idempotency key is submitted concurrently', async () => {
      const other = await another();
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          (i % 2 ? other : ctx.store).submitTask(newTask({ idempotency_key: 'race', message: `m${i}` })),
        ),
      );
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect(new Set(results.map((r) => r.task.id)).size).toBe(1);
      expect(await ctx.store.listTasks({ limit: 100 })).toHaveLength(1);
    });

    it('refuses a duplicate id without an idempotency key', async () => {
      const task = newTask();
      await ctx.store.submitTask(task);
      await expect(ctx.store.submitTask({ ...task, message: 'again' })).rejects.toMatchObject({
        name: 'AidosError',
        kind: 'conflict',
      });
      expect((await ctx.store.getTask(task.id))!.message).toBe('hello');
    });
  });

  describe('get and list', () => {
    it('lists newest first with state and label filters and before_id pagination', async () => {
      const a = await submit({ labels: { team: 'a' } });
      const b = await submit({ labels: { team: 'b' } });
      const c = await submit({ labels: { team: 'a', env: 'prod' } });
      const d = await submit();
      await ctx.store.requestCancel(b.id, null, 'test');

      expect((await ctx.store.listTasks({ limit: 10 })).map((t) => t.id)).toEqual([d.id, c.id, b.id, a.id]);
      expect((await ctx.store.listTasks({ limit: 2 })).map((t) => t.id)).toEqual([d.id, c.id]);
      expect((await ctx.store.listTasks({ limit: 2, before_id: c.id })).map((t) => t.id)).toEqual([
        b.id,
        a.id,
      ]);
      expect((await ctx.store.listTasks({ limit: 2, before_id: a.id })).map((t) => t.id)).toEqual([]);
      expect((await ctx.store.listTasks({ limit: 10, states: ['cancelled'] })).map((t) => t.id)).toEqual([
        b.id,
      ]);
      expect(
        (await ctx.store.listTasks({ limit: 10, states: ['queued', 'cancelled'] })).map((t) => t.id),
      ).toEqual([d.id, c.id, b.id, a.id]);
      expect(
        (await ctx.store.listTasks({ limit: 10, label: { key: 'team', value: 'a' } })).map((t) => t.id),
      ).toEqual([c.id, a.id]);
      expect(
        (
          await ctx.store.listTasks({
            limit: 10,
            label: { key: 'team', value: 'a' },
            states: ['queued'],
            before_id: c.id,
          })
        ).map((t) => t.id),
      ).toEqual([a.id]);
      expect(await ctx.store.listTasks({ limit: 10, label: { key: 'team', value: 'zzz' } })).toEqual([]);
    });
  });
}
