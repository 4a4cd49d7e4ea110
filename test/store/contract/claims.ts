import { describe, expect, it } from 'vitest';
import { waitFor } from '../../helpers/wait.js';
import type { ContractContext } from './fixtures.js';

/** Claiming queued tasks, and leases: renewal, expiry, re-queueing a node's runs. */
export function defineClaimContract(ctx: ContractContext): void {
  const { submit, claimOne, finish, another } = ctx;
  describe('claim', () => {
    it('claims by priority, up to the limit: attempt+1, fence+1, lease, claimed event', async () => {
      const low = await submit({ priority: 0 });
      const high = await submit({ priority: 10 });
      const mid = await submit({ priority: 5 });
      const before = Date.now();
      const claimed = await ctx.store.claimTasks('n1', 2, 30_000);
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
        const events = await ctx.store.listTaskEvents(t.id);
        expect(events.map((e) => e.kind)).toEqual(['submitted', 'claimed']);
        expect(events[1]).toMatchObject({
          node_id: 'n1',
          attempt: 1,
          fence: 1,
          detail: { lease_ms: 30_000 },
        });
      }
      expect((await ctx.store.getTask(low.id))!.state).toBe('queued');
      expect(await ctx.store.claimTasks('n1', 0, 30_000)).toEqual([]);
      const rest = await ctx.store.claimTasks('n2', 5, 30_000);
      expect(rest.map((t) => t.id)).toEqual([low.id]);
      expect(await ctx.store.claimTasks('n2', 5, 30_000)).toEqual([]);
      expect(await ctx.store.countTasksByState()).toEqual({
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
      expect((await ctx.store.claimTasks('n1', 5, 30_000, ['beta'])).map((t) => t.id)).toEqual([b.id]);
      expect(await ctx.store.claimTasks('n1', 5, 30_000, ['gamma'])).toEqual([]);
      expect((await ctx.store.claimTasks('n1', 5, 30_000, ['alpha', 'gamma'])).map((t) => t.id)).toEqual([
        a.id,
      ]);
    });

    it('never gives one task to two nodes claiming at once', async () => {
      const other = await another();
      const ids = new Set<string>();
      for (let i = 0; i < 40; i++) ids.add((await submit()).id);
      const claims = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          (i % 2 ? other : ctx.store).claimTasks(i % 2 ? 'n2' : 'n1', 2, 30_000),
        ),
      );
      const got = claims.flat().map((t) => t.id);
      expect(new Set(got).size).toBe(got.length);
      expect(got.length).toBe(40);
      expect(new Set(got)).toEqual(ids);
      for (const t of claims.flat()) expect(t.fence).toBe(1);
      expect((await ctx.store.countTasksByState()).running).toBe(40);
    });
  });

  describe('leases', () => {
    it('renews only with the matching fence and node', async () => {
      const task = await submit();
      const claimed = await claimOne('n1', 1_000);
      expect(claimed.id).toBe(task.id);
      expect(await ctx.store.renewLeases('n1', [], 60_000)).toEqual([]);
      expect(await ctx.store.renewLeases('n2', [{ id: task.id, fence: claimed.fence }], 60_000)).toEqual([]);
      expect(await ctx.store.renewLeases('n1', [{ id: task.id, fence: claimed.fence + 1 }], 60_000)).toEqual(
        [],
      );
      expect((await ctx.store.getTask(task.id))!.lease_expires_at).toBe(claimed.lease_expires_at);
      expect(
        await ctx.store.renewLeases(
          'n1',
          [
            { id: task.id, fence: claimed.fence },
            { id: 't_unknown', fence: 1 },
          ],
          60_000,
        ),
      ).toEqual([task.id]);
      expect((await ctx.store.getTask(task.id))!.lease_expires_at).toBeGreaterThan(Date.now() + 50_000);
    });

    it('requeues runs whose lease lapsed; the old fence is then refused', async () => {
      const task = await submit();
      const claimed = await claimOne('n1', 50);
      const requeued = await waitFor(
        async () => {
          const got = await ctx.store.requeueExpiredLeases('lease expired');
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
      const events = await ctx.store.listTaskEvents(task.id);
      expect(events.at(-1)).toMatchObject({
        kind: 'requeued',
        detail: { reason: 'lease expired', previous_node: 'n1' },
      });
      expect(await finish(task.id, claimed.fence, 'succeeded')).toBe(false);
      const again = await claimOne('n2');
      expect(again).toMatchObject({ id: task.id, attempt: 2, fence: 2, node_id: 'n2' });
      expect(await finish(task.id, claimed.fence, 'succeeded')).toBe(false);
      expect((await ctx.store.getTask(task.id))!.state).toBe('running');
      // A live lease is not requeued.
      expect(await ctx.store.requeueExpiredLeases('lease expired')).toEqual([]);
    });

    it('requeues the runs of a node, dead when out of attempts', async () => {
      const once = await submit({ max_attempts: 1, priority: 2 });
      const twice = await submit({ max_attempts: 2, priority: 1 });
      const elsewhere = await submit({ priority: 0 });
      const mine = await ctx.store.claimTasks('n1', 2, 30_000);
      expect(mine.map((t) => t.id)).toEqual([once.id, twice.id]);
      await claimOne('n2');
      const moved = await ctx.store.requeueNodeRuns('n1', 'node n1 left');
      expect(moved.map((t) => [t.id, t.state]).sort()).toEqual(
        [
          [once.id, 'dead'],
          [twice.id, 'queued'],
        ].sort(),
      );
      const dead = (await ctx.store.getTask(once.id))!;
      expect(dead).toMatchObject({ state: 'dead', attempt: 1, error: 'node n1 left' });
      expect(dead.finished_at).not.toBeNull();
      expect((await ctx.store.listTaskEvents(once.id)).at(-1)!.kind).toBe('dead');
      expect((await ctx.store.getTask(twice.id))!).toMatchObject({
        state: 'queued',
        attempt: 1,
        finished_at: null,
      });
      expect((await ctx.store.getTask(elsewhere.id))!).toMatchObject({ state: 'running', node_id: 'n2' });
      expect(await finish(twice.id, 1, 'succeeded')).toBe(false);
      expect(await ctx.store.requeueNodeRuns('n1', 'again')).toEqual([]);
    });
  });
}
