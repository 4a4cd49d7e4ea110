import type { FleetSnapshot } from '../fleet/fleet-state.js';
import { age } from './format.js';
import type { Row, TableModel } from './table-model.js';

/** Per node: its agent services (pid, restarts) and the agent runs of its tasks (uptime, task). */
export function agentsModel(fleet: FleetSnapshot, now: number): TableModel {
  const rows: Row[] = [];
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
    // From the running set, not every task: 100 nodes × 10,000 tasks would be a million looks.
    const ids = new Set(node.running);
    for (const id of fleet.running) if (fleet.tasks.get(id)?.node_id === node.id) ids.add(id);
    for (const id of ids) {
      const t = fleet.tasks.get(id);
      if (t?.state === 'running')
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
