import { describe, expect, it } from 'vitest';
import { waitFor } from '../../helpers/wait.js';
import { type ContractContext, healthRow } from './fixtures.js';

/** Counts, queue age and pruning; health results; queued notifications; free-form events. */
export function defineHousekeepingContract(ctx: ContractContext): void {
  const { submit, claimOne, finish } = ctx;
  describe('counts, age and pruning', () => {
    it('counts tasks by state and measures the oldest due queued task', async () => {
      expect(await ctx.store.countTasksByState()).toEqual({
        queued: 0,
        running: 0,
        succeeded: 0,
        failed: 0,
        cancelled: 0,
        dead: 0,
      });
      expect(await ctx.store.oldestQueuedAgeMs()).toBe(0);
      await submit({ run_after: Date.now() - 5_000 });
      await submit();
      await submit({ run_after: Date.now() + 60_000 });
      const age = await ctx.store.oldestQueuedAgeMs();
      expect(age).toBeGreaterThanOrEqual(4_900);
      expect(age).toBeLessThan(20_000);
      await claimOne();
      const c = await ctx.store.countTasksByState();
      expect(c).toMatchObject({ queued: 2, running: 1 });
    });

    it('prunes only final tasks finished before the cutoff, with their events', async () => {
      const old = await submit({ priority: 3 });
      const recent = await submit({ priority: 2 });
      const running = await submit({ priority: 1 });
      const queued = await submit({ priority: 0, run_after: Date.now() + 60_000 });
      const c1 = await claimOne();
      await finish(old.id, c1.fence, 'succeeded');
      const oldDone = (await ctx.store.getTask(old.id))!;
      await waitFor(() => Date.now() > oldDone.finished_at! + 5, 1_000, 'the clock to move');
      const c2 = await claimOne();
      await finish(recent.id, c2.fence, 'failed');
      const recentDone = (await ctx.store.getTask(recent.id))!;
      expect(recentDone.finished_at!).toBeGreaterThan(oldDone.finished_at! + 1);
      await claimOne();
      expect(await ctx.store.pruneFinishedTasks(oldDone.finished_at!)).toBe(0);
      expect(await ctx.store.pruneFinishedTasks(oldDone.finished_at! + 1)).toBe(1);
      expect(await ctx.store.getTask(old.id)).toBeUndefined();
      expect(await ctx.store.listTaskEvents(old.id)).toEqual([]);
      expect(await ctx.store.getTask(recent.id)).toBeDefined();
      expect(await ctx.store.listTaskEvents(recent.id)).not.toEqual([]);
      // Far future cutoff: every final task goes, queued and running ones stay.
      expect(await ctx.store.pruneFinishedTasks(Date.now() + 1_000_000)).toBe(1);
      expect((await ctx.store.listTasks({ limit: 10 })).map((t) => t.id).sort()).toEqual(
        [running.id, queued.id].sort(),
      );
    });
  });

  describe('health results', () => {
    it('inserts, lists newest first with filters, and prunes exactly what is older', async () => {
      const base = Date.now();
      await ctx.store.insertHealthResults([]);
      await ctx.store.insertHealthResults([
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
      const all = await ctx.store.listHealthResults({ limit: 10 });
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
      expect((await ctx.store.listHealthResults({ limit: 2 })).map((r) => r.at)).toEqual([
        base,
        base - 1_000,
      ]);
      expect((await ctx.store.listHealthResults({ node_id: 'n2', limit: 10 })).map((r) => r.at)).toEqual([
        base - 1_000,
      ]);
      expect(
        (await ctx.store.listHealthResults({ node_id: 'n1', check_name: 'store:latency', limit: 10 })).map(
          (r) => r.at,
        ),
      ).toEqual([base - 2_000, base - 3_000]);
      expect(await ctx.store.pruneHealthResults(base - 2_000)).toBe(1);
      expect((await ctx.store.listHealthResults({ limit: 10 })).map((r) => r.at)).toEqual([
        base,
        base - 1_000,
        base - 2_000,
      ]);
      expect(await ctx.store.pruneHealthResults(base - 2_000)).toBe(0);
      expect(await ctx.store.pruneHealthResults(base + 1)).toBe(3);
    });
  });

  describe('onTaskQueued', () => {
    it('fires on submit, retry and requeue, and stops after unsubscribe', async () => {
      let calls = 0;
      const off = ctx.store.onTaskQueued(() => {
        calls++;
      });
      if (ctx.name === 'postgres') {
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
      await ctx.store.retryTask(task.id, null);
      await expectFired('retry');
      await claimOne();
      seen = calls;
      await ctx.store.requeueNodeRuns('n1', 'node gone');
      await expectFired('requeue');
      off();
      seen = calls;
      await submit();
      // Another subscriber proves the notification went out; the removed one must not have fired.
      let other = 0;
      const off2 = ctx.store.onTaskQueued(() => {
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
      await ctx.store.appendTaskEvent(task.id, 'started', 'n1', { pid: 123 });
      const last = (await ctx.store.listTaskEvents(task.id)).at(-1)!;
      expect(last).toMatchObject({
        kind: 'started',
        node_id: 'n1',
        attempt: 1,
        fence: claimed.fence,
        detail: { pid: 123 },
      });
      expect((await ctx.store.getTask(task.id))!.state).toBe('running');
      await ctx.store.appendTaskEvent('t_missing', 'started', 'n1');
    });
  });
}
