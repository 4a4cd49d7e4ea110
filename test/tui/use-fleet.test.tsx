// The Tasks view is not redrawn for a change of the nodes alone that leaves its header as it was;
// every other view, and a change the header shows, still is.
import { describe, expect, it } from 'vitest';
import type { Task } from '../../shared/tasks.js';
import { FleetConnection } from '../../tui/fleet/connection.js';
import type { NodeRow } from '../../tui/fleet/node-row.js';
import { renderOfflineApp, taskFixture } from '../helpers/tui-app.js';
import { waitFor } from '../helpers/wait.js';

const task = (i: number, state: Task['state'] = 'queued') =>
  taskFixture(i, { state, updated_at: Date.now() + (state === 'queued' ? 0 : 1) });
const node = (id: string, cpu: number, state = 'alive'): NodeRow => ({
  id,
  address: `127.0.0.1:${id.length}`,
  state,
  roles: ['api', 'worker'],
  slots: 4,
  used: 0,
  cpu,
  rss: null,
  memory: 10,
  health: 'pass',
  draining: false,
  services: [],
  running: [],
  attached: false,
});
const turn = () => new Promise((r) => setImmediate(r));

describe('useFleet on the Tasks view', () => {
  it('skips node changes the header does not show, and draws the ones it does', async () => {
    const connection = new FleetConnection({ urls: ['http://127.0.0.1:9'] });
    connection.store.tasksSnapshot([task(1), task(2)]);
    connection.store.setNodes([node('n-a', 1), node('n-b', 1)], null);
    const ui = renderOfflineApp(connection);
    try {
      await waitFor(() => ui.lastFrame()?.includes('nodes 2/2'), 5_000, 'the header with both nodes');
      const before = ui.frames.length;
      const started = Date.now();
      for (let cpu = 2; cpu < 12; cpu++) {
        connection.store.setNodes([node('n-a', cpu), node('n-b', cpu)], null);
        await turn();
        await turn();
      }
      connection.store.taskChange(task(1, 'cancelled'));
      await waitFor(() => ui.lastFrame()?.includes('cancelled 1'), 5_000, 'the cancelled count');
      // The task change's frame, and at most one per second of the clock (ages) meanwhile.
      const ticks = Math.floor((Date.now() - started) / 1000) + 1;
      expect(ui.frames.length - before).toBeLessThanOrEqual(1 + ticks);
      // A change the header shows is drawn at once.
      connection.store.setNodes([node('n-a', 1), node('n-b', 1, 'dead')], null);
      await waitFor(() => ui.lastFrame()?.includes('nodes 1/2'), 5_000, 'one node alive');
      // The Nodes view draws every change of a member.
      ui.stdin.write('1');
      await waitFor(() => ui.lastFrame()?.includes('n-a'), 5_000, 'the Nodes view');
      connection.store.setNodes([node('n-a', 77), node('n-b', 1, 'dead')], null);
      await waitFor(() => ui.lastFrame()?.includes('77'), 5_000, 'the new CPU figure');
    } finally {
      ui.unmount();
    }
  });
});
