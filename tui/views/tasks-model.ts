import type { FleetSnapshot } from '../fleet/fleet-state.js';
import { age } from './format.js';
import type { TableModel } from './table-model.js';

/** Tasks, newest first: id, state, node, attempts, profile, age, message. */
export function tasksModel(fleet: FleetSnapshot, now: number): TableModel {
  const ids = [...fleet.tasks.keys()].sort().reverse();
  return {
    columns: [
      { title: 'ID', width: 28 },
      { title: 'STATE', width: 9 },
      { title: 'NODE', width: 12 },
      { title: 'TRY', width: 5 },
      { title: 'PROFILE', width: 10 },
      { title: 'AGE', width: 4 },
      { title: 'MESSAGE', width: 0 },
    ],
    rows: ids.map((id) => {
      const t = fleet.tasks.get(id)!;
      return {
        id,
        cells: [
          id,
          t.state,
          t.node_id ?? '-',
          `${t.attempt}/${t.max_attempts}`,
          t.profile,
          age(t.created_at, now),
          t.message,
        ],
        tone: t.state,
        toneCell: 1,
      };
    }),
    empty: 'no tasks yet (aidos task submit "…" adds one)',
  };
}
