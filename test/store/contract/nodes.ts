import { describe, expect, it } from 'vitest';
import { waitFor } from '../../helpers/wait.js';
import type { ContractContext } from './fixtures.js';

/** Nodes: registration, heartbeats, listing. */
export function defineNodeContract(ctx: ContractContext): void {
  describe('nodes', () => {
    it('has one random store identity, written at the first migration and stable after', async () => {
      const id = await ctx.store.storeIdentity();
      expect(id).toMatch(/^[0-9a-f]{32}$/);
      expect(await ctx.store.storeIdentity()).toBe(id);
    });

    it('registers, lists and heartbeats nodes', async () => {
      const started = Date.now() - 10_000;
      await ctx.store.registerNode({
        id: 'n1',
        address: '127.0.0.1:7420',
        roles: ['api', 'worker'],
        version: '0.1.0',
        started_at: started,
        meta: { pid: 42 },
      });
      await ctx.store.registerNode({
        id: 'n0',
        address: '127.0.0.1:7421',
        roles: ['api'],
        version: '0.1.0',
        meta: {},
      });
      const nodes = await ctx.store.listNodes();
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
      await ctx.store.heartbeatNode('n1', 'draining');
      const after = (await ctx.store.listNodes()).find((n) => n.id === 'n1')!;
      expect(after.status).toBe('draining');
      expect(after.heartbeat_at).toBeGreaterThan(firstBeat);
      await ctx.store.heartbeatNode('n1');
      expect((await ctx.store.listNodes()).find((n) => n.id === 'n1')!.status).toBe('draining');
      // Registering again refreshes the row and marks it up.
      await ctx.store.registerNode({
        id: 'n1',
        address: '10.0.0.1:7420',
        roles: ['worker'],
        version: '0.2.0',
        meta: {},
      });
      const again = (await ctx.store.listNodes()).find((n) => n.id === 'n1')!;
      expect(again).toMatchObject({
        address: '10.0.0.1:7420',
        roles: ['worker'],
        version: '0.2.0',
        status: 'up',
      });
    });

    it('pings', async () => {
      expect(await ctx.store.ping()).toBeGreaterThanOrEqual(0);
      expect(ctx.store.dialect).toBe(ctx.name);
    });
  });
}
