import { describe, expect, it } from 'vitest';
import type { ContractContext } from './fixtures.js';

/** Completing runs under a fencing token, cancelling and retrying tasks. */
export function defineCompletionContract(ctx: ContractContext): void {
  const { submit, claimOne, finish } = ctx;
  describe('completeRun', () => {
    for (const next of ['succeeded', 'failed', 'dead', 'cancelled'] as const) {
      it(`${next} is final and sets finished_at`, async () => {
        const task = await submit();
        const claimed = await claimOne();
        const ok = await ctx.store.completeRun({
          id: task.id,
          fence: claimed.fence,
          node_id: 'n1',
          next,
          event: next,
          ...(next === 'succeeded' ? { result: { text: 'done', n: 1 } } : { error: `it ${next}` }),
          detail: { exit_code: next === 'succeeded' ? 0 : 1 },
        });
        expect(ok).toBe(true);
        const after = (await ctx.store.getTask(task.id))!;
        expect(after.state).toBe(next);
        expect(after.finished_at).not.toBeNull();
        expect(after.lease_expires_at).toBeNull();
        if (next === 'succeeded') expect(after.result).toEqual({ text: 'done', n: 1 });
        else expect(after.error).toBe(`it ${next}`);
        const last = (await ctx.store.listTaskEvents(task.id)).at(-1)!;
        expect(last).toMatchObject({ kind: next, node_id: 'n1', attempt: 1, fence: 1 });
        expect(last.detail.exit_code).toBe(next === 'succeeded' ? 0 : 1);
        // A second completion of the same run is refused.
        expect(await finish(task.id, claimed.fence, 'failed')).toBe(false);
        expect((await ctx.store.getTask(task.id))!.state).toBe(next);
      });
    }

    it('keeps a result of any JSON shape as it was given, bare strings included', async () => {
      for (const result of [
        'just text',
        '{"looks":"like json"}',
        42,
        true,
        [1, 'two'],
        { nested: { a: [null] } },
      ]) {
        const task = await submit();
        const claimed = await claimOne();
        expect(
          await ctx.store.completeRun({
            id: task.id,
            fence: claimed.fence,
            node_id: 'n1',
            next: 'succeeded',
            event: 'succeeded',
            result,
          }),
        ).toBe(true);
        expect((await ctx.store.getTask(task.id))!.result).toEqual(result);
        expect((await ctx.store.listTasks({ limit: 1000 })).find((t) => t.id === task.id)!.result).toEqual(
          result,
        );
      }
    });

    it('queued with a retry delay puts run_after in the future', async () => {
      const task = await submit();
      const claimed = await claimOne();
      const ok = await ctx.store.completeRun({
        id: task.id,
        fence: claimed.fence,
        node_id: 'n1',
        next: 'queued',
        retry_delay_ms: 60_000,
        error: 'exit 1',
        event: 'retry_scheduled',
      });
      expect(ok).toBe(true);
      const after = (await ctx.store.getTask(task.id))!;
      expect(after).toMatchObject({ state: 'queued', attempt: 1, finished_at: null, error: 'exit 1' });
      expect(after.run_after).toBeGreaterThan(Date.now() + 50_000);
      expect(await ctx.store.claimTasks('n1', 5, 30_000)).toEqual([]);
      expect((await ctx.store.listTaskEvents(task.id)).at(-1)!.kind).toBe('retry_scheduled');
    });

    it('refuses a stale fence, logs completion_refused and changes nothing', async () => {
      const task = await submit();
      const claimed = await claimOne();
      const before = (await ctx.store.getTask(task.id))!;
      const ok = await ctx.store.completeRun({
        id: task.id,
        fence: claimed.fence - 1,
        node_id: 'n9',
        next: 'succeeded',
        result: { nope: true },
        event: 'succeeded',
      });
      expect(ok).toBe(false);
      expect(await ctx.store.getTask(task.id)).toEqual(before);
      const last = (await ctx.store.listTaskEvents(task.id)).at(-1)!;
      expect(last).toMatchObject({ kind: 'completion_refused', node_id: 'n9' });
      expect(last.detail).toMatchObject({ stale_fence: claimed.fence - 1, wanted: 'succeeded' });
      expect(
        await ctx.store.completeRun({
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

      const c1 = (await ctx.store.requestCancel(queued.id, 'n1', 'user asked'))!;
      expect(c1).toMatchObject({ state: 'cancelled', error: 'user asked' });
      expect(c1.finished_at).not.toBeNull();
      expect((await ctx.store.listTaskEvents(queued.id)).at(-1)).toMatchObject({
        kind: 'cancelled',
        detail: { reason: 'user asked' },
      });

      const c2 = (await ctx.store.requestCancel(running.id, 'n1', 'user asked'))!;
      expect(c2).toMatchObject({ state: 'running', cancel_requested: true });
      expect((await ctx.store.listTaskEvents(running.id)).at(-1)!.kind).toBe('cancel_requested');

      const final = (await ctx.store.getTask(queued.id))!;
      expect(await ctx.store.requestCancel(queued.id, 'n1', 'again')).toEqual(final);
      expect(await ctx.store.listTaskEvents(queued.id)).toHaveLength(2);
      expect(await ctx.store.requestCancel('t_missing', null, 'x')).toBeUndefined();
    });

    it('retries failed, dead and cancelled tasks with a fresh attempt budget', async () => {
      const task = await submit({ max_attempts: 1 });
      const claimed = await claimOne();
      // Not final yet: retry changes nothing.
      expect((await ctx.store.retryTask(task.id, 'n1'))!.state).toBe('running');
      await finish(task.id, claimed.fence, 'failed', 'x');
      const retried = (await ctx.store.retryTask(task.id, 'n1'))!;
      expect(retried).toMatchObject({
        state: 'queued',
        attempt: 0,
        finished_at: null,
        cancel_requested: false,
      });
      expect((await ctx.store.listTaskEvents(task.id)).at(-1)!.kind).toBe('retried');
      const again = await claimOne();
      expect(again).toMatchObject({ id: task.id, attempt: 1, fence: 2 });
      expect(await ctx.store.retryTask('t_missing', null)).toBeUndefined();
    });
  });
}
