import { describe, expect, it } from 'vitest';
import type { Store } from '../../../daemon/store/facets.js';
import { waitFor } from '../../helpers/wait.js';
import type { ContractContext } from './fixtures.js';

/** Failover: a dead node's live runs go back to the queue once its heartbeat row is stale, each once. */
export function defineFailoverContract(ctx: ContractContext): void {
  const { submit, claimOne, finish } = ctx;
  const register = (s: Store, id: string) =>
    s.registerNode({ id, address: '127.0.0.1:7420', roles: ['worker'], version: '0.1.0', meta: {} });
  /** Retries until the row is older than 0 ms on the store's clock (the same millisecond is not). */
  async function failover(s: Store, dead: string, by: string) {
    let moved: Awaited<ReturnType<Store['failoverNodeRuns']>> = [];
    await waitFor(
      async () => {
        moved = await s.failoverNodeRuns(dead, 0, by);
        return moved.length > 0;
      },
      5_000,
      'failover moved something',
    );
    return moved;
  }

  describe('failover', () => {
    it('leaves the runs alone while the heartbeat row is fresh, or when the node has no row', async () => {
      await register(ctx.store, 'n1');
      await submit();
      const task = await claimOne('n1');
      expect(await ctx.store.failoverNodeRuns('n1', 60_000, 'n2')).toEqual([]);
      await ctx.store.heartbeatNode('n1');
      expect(await ctx.store.failoverNodeRuns('n1', 60_000, 'n2')).toEqual([]);
      await submit();
      await claimOne('ghost');
      expect(await ctx.store.failoverNodeRuns('ghost', 0, 'n2')).toEqual([]);
      expect((await ctx.store.getTask(task.id))!).toMatchObject({ state: 'running', node_id: 'n1' });
    });

    it('requeues the dead node runs with the attempt counted and the fence bumped; the old fence is refused', async () => {
      await register(ctx.store, 'n1');
      const once = await submit({ max_attempts: 1, priority: 2 });
      const twice = await submit({ max_attempts: 2, priority: 1 });
      await submit({ priority: 0 });
      const mine = await ctx.store.claimTasks('n1', 2, 60_000);
      const elsewhere = await claimOne('n2');
      const moved = await failover(ctx.store, 'n1', 'n2');
      expect(moved.map((t) => [t.id, t.state]).sort()).toEqual(
        [
          [once.id, 'dead'],
          [twice.id, 'queued'],
        ].sort(),
      );
      const requeued = (await ctx.store.getTask(twice.id))!;
      const before = mine.find((t) => t.id === twice.id)!;
      expect(requeued).toMatchObject({ state: 'queued', attempt: 1, fence: before.fence + 1 });
      expect(requeued.error).toBe('node n1 declared dead');
      expect(requeued.lease_expires_at).toBeNull();
      const last = (await ctx.store.listTaskEvents(twice.id)).at(-1)!;
      expect(last).toMatchObject({ kind: 'requeued', node_id: 'n2', fence: before.fence + 1 });
      expect(last.detail).toMatchObject({ reason: 'node_dead', previous_node: 'n1' });
      expect((await ctx.store.listTaskEvents(once.id)).at(-1)!.kind).toBe('dead');
      // The dead node's old token is worthless: no renewal, no completion.
      expect(await ctx.store.renewLeases('n1', [{ id: twice.id, fence: before.fence }], 60_000)).toEqual([]);
      expect(await finish(twice.id, before.fence, 'succeeded')).toBe(false);
      expect((await ctx.store.getTask(elsewhere.id))!).toMatchObject({ state: 'running', node_id: 'n2' });
      expect(await ctx.store.failoverNodeRuns('n1', 0, 'n3')).toEqual([]);
    });

    it('moves each task once when several survivors fail the node over at once', async () => {
      await register(ctx.store, 'n1');
      const ids: string[] = [];
      for (let i = 0; i < 6; i++) ids.push((await submit()).id);
      await ctx.store.claimTasks('n1', 6, 60_000);
      const survivors = [ctx.store, await ctx.another(), await ctx.another()];
      // Wait until the row is stale to every store, then race them.
      await waitFor(
        async () => (await survivors[0]!.listNodes())[0]!.heartbeat_at < Date.now() - 5,
        5_000,
        'heartbeat in the past',
      );
      const results = await Promise.all(survivors.map((s, i) => s.failoverNodeRuns('n1', 1, `s${i}`)));
      expect(
        results
          .flat()
          .map((t) => t.id)
          .sort(),
      ).toEqual([...ids].sort());
      for (const id of ids) {
        const events = await ctx.store.listTaskEvents(id);
        expect(events.filter((e) => e.kind === 'requeued')).toHaveLength(1);
        expect((await ctx.store.getTask(id))!).toMatchObject({ state: 'queued', attempt: 1, fence: 2 });
      }
    });
  });
}
