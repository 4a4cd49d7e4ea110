import type { FleetSnapshot } from '../fleet/fleet-state.js';
import { age } from './format.js';
import type { TableModel } from './table-model.js';

/** Per node: its agent services (pid, restarts) and the agent runs of its tasks (uptime, task). */
export function agentsModel(fleet: FleetSnapshot, now: number): TableModel {
  const rows: TableModel['rows'] = [];
  for (const node of fleet.nodes) {
    for (const s of node.services)
      rows.push({
        id: `svc:${node.id}:${s.name}`,
        cells: [
          node.id,
          'service',
          s.name,
          s.state,
          s.pid === null ? '-' : String(s.pid),
          '-',
          String(s.restarts),
          '-',
        ],
        tone: s.state === 'running' ? 'alive' : 'warn',
        toneCell: 3,
      });
    const running = new Set(node.running);
    for (const t of fleet.tasks.values())
      if (t.state === 'running' && (running.has(t.id) || t.node_id === node.id))
        rows.push({
          id: t.id,
          cells: [
            node.id,
            'run',
            t.profile,
            'running',
            '-',
            age(t.started_at, now),
            String(Math.max(0, t.attempt - 1)),
            t.id,
          ],
          tone: 'running',
          toneCell: 3,
        });
  }
  return {
    columns: [
      { title: 'NODE', width: 14 },
      { title: 'KIND', width: 7 },
      { title: 'NAME', width: 12 },
      { title: 'STATE', width: 9 },
      { title: 'PID', width: 7 },
      { title: 'UPTIME', width: 6 },
      { title: 'RESTARTS', width: 8 },
      { title: 'TASK', width: 0 },
    ],
    rows,
    empty: 'no agents running',
  };
}
