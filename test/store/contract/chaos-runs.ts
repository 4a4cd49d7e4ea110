import { describe, expect, it } from 'vitest';
import type { ContractContext } from './fixtures.js';

/** Chaos runs: one drill at a time across every connection, verdicts, listing, stale runs. */
export function defineChaosRunContract(ctx: ContractContext): void {
  describe('chaos runs', () => {
    it('starts one drill at a time across connections, finishes it and lists runs newest first', async () => {
      const other = await ctx.another();
      const t0 = Date.now() - 1_000;
      const first = {
        id: 'cr_a1',
        scenario: 'slow-store',
        node_id: 'n1',
        started_at: t0,
        report: { verdict: 'running' },
      };
      expect(await ctx.store.startChaosRun(first)).toEqual({ started: true });
      const refused = await other.startChaosRun({
        ...first,
        id: 'cr_b2',
        node_id: 'n2',
        started_at: t0 + 10,
      });
      expect(refused.started).toBe(false);
      expect(refused.running).toMatchObject({
        id: 'cr_a1',
        node_id: 'n1',
        state: 'running',
        finished_at: null,
      });
      await ctx.store.finishChaosRun('cr_a1', 'passed', t0 + 500, {
        verdict: 'passed',
        resilience_score: 100,
      });
      expect(await other.getChaosRun('cr_a1')).toMatchObject({
        state: 'passed',
        started_at: t0,
        finished_at: t0 + 500,
        report: { verdict: 'passed', resilience_score: 100 },
      });
      expect(
        (await other.startChaosRun({ ...first, id: 'cr_b2', node_id: 'n2', started_at: t0 + 10 })).started,
      ).toBe(true);
      expect((await ctx.store.listChaosRuns(10)).map((r) => r.id)).toEqual(['cr_b2', 'cr_a1']);
      expect(await ctx.store.getChaosRun('cr_zz')).toBeUndefined();
    });

    it("ends a restarted node's runs left running as error, and only that node's", async () => {
      const at = Date.now();
      await ctx.store.startChaosRun({
        id: 'cr_s1',
        scenario: 'x',
        node_id: 'n1',
        started_at: at,
        report: {},
      });
      expect(await ctx.store.failStaleChaosRuns('n2', at)).toBe(0);
      expect(await ctx.store.failStaleChaosRuns('n1', at + 1)).toBe(1);
      expect(await ctx.store.getChaosRun('cr_s1')).toMatchObject({ state: 'error', finished_at: at + 1 });
    });
  });
}
