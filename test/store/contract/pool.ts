import { describe, expect, it } from 'vitest';
import type { ContractContext } from './fixtures.js';

/** Drains and moves (PoolStore): stored drains, retargets, move flags and releases under the fence. */
export function definePoolContract(ctx: ContractContext): void {
  describe('pool: drains and moves', () => {
    const register = (id: string) =>
      ctx.store.registerNode({ id, address: '127.0.0.1:1', roles: ['worker'], version: '0', meta: {} });

    it('stores a drain that a re-registration keeps, and clears it', async () => {
      await register('n1');
      expect(await ctx.store.setNodeDrain('nosuch', { deadline_ms: 1_000, move: false })).toBe(false);
      expect(await ctx.store.nodeDrain('n1')).toBeUndefined();
      expect(await ctx.store.setNodeDrain('n1', { deadline_ms: 600_000, move: true })).toBe(true);
      await register('n1'); // a restart re-registers the node
      const drain = (await ctx.store.nodeDrain('n1'))!;
      expect(drain.move).toBe(true);
      expect(drain.deadline_in_ms).toBeGreaterThan(590_000);
      expect(drain.deadline_at - drain.since).toBeGreaterThanOrEqual(599_000);
      expect(await ctx.store.setNodeDrain('n1', null)).toBe(true);
      expect(await ctx.store.nodeDrain('n1')).toBeUndefined();
    });

    it('retargets a queued task, and flags then releases a running one without counting the attempt', async () => {
      const queued = await ctx.submit({ pin_node: 'n9' });
      const retargeted = await ctx.store.requestMove(queued.id, 'n2', 'n0');
      expect(retargeted).toMatchObject({ outcome: 'retargeted', task: { pin_node: 'n2', state: 'queued' } });
      expect(await ctx.store.requestMove('t_nosuch', 'n2', 'n0')).toBeUndefined();

      const running = await ctx.claimOne('n2');
      expect((await ctx.store.requestMove(running.id, 'n2', 'n0'))?.outcome).toBe('refused');
      const moving = await ctx.store.requestMove(running.id, 'n3', 'n0');
      expect(moving).toMatchObject({ outcome: 'moving', task: { state: 'running', move_to: 'n3' } });
      expect(await ctx.store.listMoveRequested('n2')).toEqual([{ id: running.id, to: 'n3' }]);
      expect(await ctx.store.listMoveRequested('n3')).toEqual([]);

      const stale = { id: running.id, fence: running.fence - 1, node_id: 'n2', reason: 'move' };
      expect(await ctx.store.releaseMovedRun(stale)).toBeUndefined();
      const released = await ctx.store.releaseMovedRun({ ...stale, fence: running.fence });
      expect(released).toMatchObject({ state: 'queued', attempt: 0, pin_node: 'n3', move_to: null });
      expect(await ctx.store.listMoveRequested('n2')).toEqual([]);
      const kinds = (await ctx.store.listTaskEvents(running.id)).map((e) => e.kind);
      expect(kinds).toEqual(['submitted', 'moved', 'claimed', 'move_requested', 'moved']);
      const done = await ctx.submit();
      await ctx.store.requestCancel(done.id, null, 'x');
      expect((await ctx.store.requestMove(done.id, 'n2', 'n0'))?.outcome).toBe('refused');
    });
  });
}
