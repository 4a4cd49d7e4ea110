import { describe, expect, it } from 'vitest';
import { storeFacets } from '../../../daemon/store/facets.js';
import type { ContractContext } from './fixtures.js';

/** The facets and the diagnostics facet: what health and metrics read of each implementation. */
export function defineDiagnosticsContract(ctx: ContractContext): void {
  describe('facets and diagnostics', () => {
    it('every facet is the same store, and diagnostics name it without secrets', async () => {
      const facets = storeFacets(ctx.store);
      expect(facets.tasks).toBe(ctx.store);
      expect(facets.nodes).toBe(ctx.store);
      expect(facets.health).toBe(ctx.store);
      expect(facets.chaos).toBe(ctx.store);
      const d = facets.diagnostics;
      expect(d.dialect).toBe(ctx.store.dialect);
      expect(d.description).toBe(ctx.store.description);
      // A password in the URL shows as ***.
      if (d.description.includes('@')) expect(d.description).toMatch(/:\*\*\*@/);
      expect(await d.ping()).toBeGreaterThanOrEqual(0);
    });

    it('reports the figures of its dialect', async () => {
      const d = ctx.store.diagnostics;
      if (d.dialect === 'sqlite') {
        await ctx.submit();
        expect(d.poolFigures()).toBeUndefined();
        expect(d.quickCheck()).toEqual([]);
        expect(d.databaseSizeBytes()).toBeGreaterThan(0);
        expect(d.walSizeBytes()).toBeGreaterThanOrEqual(0);
        expect(d.fileName).toMatch(/\.db$/);
        return;
      }
      await ctx.store.ping();
      const pool = d.poolFigures();
      expect(pool.total).toBeGreaterThanOrEqual(1);
      expect(pool.max).toBeGreaterThanOrEqual(pool.total);
      expect(pool.waiting).toBe(0);
      const probe = d.openProbe({ applicationName: 'aidos-contract', timeoutMs: 5_000 });
      try {
        const usage = await probe.connectionUsage();
        expect(usage.used).toBeGreaterThanOrEqual(1);
        expect(usage.max).toBeGreaterThan(usage.reserved);
        expect(await probe.blockedSessions()).toMatchObject({ count: 0, example: null });
        expect(await probe.deadlockCount()).toBeGreaterThanOrEqual(0);
        expect((await probe.replicationLag()).role).toBe('primary');
      } finally {
        await probe.close();
        await probe.close();
      }
    });
  });
}
