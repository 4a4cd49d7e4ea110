import { describe, expect, it } from 'vitest';
import type { ClusterNode } from '../../shared/cluster.js';
import type { FleetSnapshot } from '../../tui/fleet/fleet-state.js';
import { nodeRowFromFrame } from '../../tui/fleet/node-row.js';
import { nodesModel } from '../../tui/views/nodes-model.js';

// The frame shape of the cluster module's `nodes` topic (docs/cluster.md), which the Nodes view plugs into.
const member: ClusterNode = {
  id: 'node-b',
  address: '10.0.0.2:7420',
  state: 'suspect',
  incarnation: 3,
  self: false,
  version: '0.1.0',
  roles: ['api', 'worker'],
  slots: { total: 4, free: 1 },
  load: { cpu: 0.42, memory: 0.61, agents: 3 },
  health: 'warn',
  drain: true,
  store_identity: 'c1a2',
  state_since: 1_764_583_200_000,
  last_seen: 1_764_583_201_000,
};

describe('Nodes view from nodes topic frames', () => {
  it('shows state, roles, slots used/total, CPU, memory, health and the drain flag', () => {
    const row = nodeRowFromFrame(member);
    expect(row).toMatchObject({
      id: 'node-b',
      state: 'suspect',
      used: 3,
      slots: 4,
      draining: true,
      removed: false,
    });
    const model = nodesModel({ nodes: [row!], link: 'live' } as unknown as FleetSnapshot);
    expect(model.rows.at(0)!.cells).toEqual([
      'node-b',
      'suspect',
      'api,worker',
      '3/4',
      '42%',
      '61%',
      'warn',
      'yes',
      '10.0.0.2:7420',
    ]);
    expect(nodeRowFromFrame({ ...member, self: true })?.attached).toBe(true);
    expect(nodeRowFromFrame({ ...member, removed: true })?.removed).toBe(true);
  });

  it('ignores a frame that is not a member', () => {
    expect(nodeRowFromFrame({ id: 'x' })).toBeUndefined();
    expect(nodeRowFromFrame(null)).toBeUndefined();
  });
});
