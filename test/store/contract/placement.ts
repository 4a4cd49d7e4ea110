import { describe, expect, it } from 'vitest';
import type { ContractContext } from './fixtures.js';

/** Placement in the claim: tasks pinned to a node, and tasks requiring labels a node advertises. */
export function definePlacementContract(ctx: ContractContext): void {
  const { submit } = ctx;
  const ids = (tasks: { id: string }[]) => tasks.map((t) => t.id).sort();

  describe('placement', () => {
    it('keeps the pin and the requirements on the task', async () => {
      const task = await submit({ pin_node: 'n1', require: { gpu: 'true', zone: 'b' } });
      expect(task.pin_node).toBe('n1');
      expect(task.require).toEqual({ gpu: 'true', zone: 'b' });
      const plain = await submit();
      expect(plain.pin_node).toBeNull();
      expect(plain.require).toEqual({});
    });

    it('gives a pinned task only to its node', async () => {
      const pinned = await submit({ pin_node: 'n1' });
      const free = await submit();
      expect(ids(await ctx.store.claimTasks('n2', 5, 30_000))).toEqual([free.id]);
      expect(ids(await ctx.store.claimTasks('n2', 5, 30_000))).toEqual([]);
      expect(ids(await ctx.store.claimTasks('n1', 5, 30_000))).toEqual([pinned.id]);
    });

    it('gives a task requiring labels only to a node advertising all of them, with the same values', async () => {
      const gpu = await submit({ require: { gpu: 'true' } });
      const both = await submit({ require: { gpu: 'true', zone: 'b' } });
      expect(await ctx.store.claimTasks('n1', 5, 30_000)).toEqual([]);
      expect(await ctx.store.claimTasks('n1', 5, 30_000, undefined, { gpu: 'false', zone: 'b' })).toEqual([]);
      expect(ids(await ctx.store.claimTasks('n1', 5, 30_000, undefined, { gpu: 'true', zone: 'a' }))).toEqual(
        [gpu.id],
      );
      expect(
        ids(await ctx.store.claimTasks('n2', 5, 30_000, undefined, { zone: 'b', gpu: 'true', os: 'x' })),
      ).toEqual([both.id]);
    });

    it('combines a pin, requirements and the profile filter', async () => {
      const task = await submit({ pin_node: 'n2', require: { gpu: 'true' }, profile: 'alpha' });
      expect(await ctx.store.claimTasks('n1', 5, 30_000, ['alpha'], { gpu: 'true' })).toEqual([]);
      expect(await ctx.store.claimTasks('n2', 5, 30_000, ['beta'], { gpu: 'true' })).toEqual([]);
      expect(await ctx.store.claimTasks('n2', 5, 30_000, ['alpha'], {})).toEqual([]);
      expect(ids(await ctx.store.claimTasks('n2', 5, 30_000, ['alpha'], { gpu: 'true' }))).toEqual([task.id]);
    });
  });
}
