import type { Task } from '../../shared/tasks.js';
import type { FleetSnapshot } from '../fleet/fleet-state.js';
import { age } from './format.js';
import type { Row, RowList, TableModel } from './table-model.js';

// With 10,000 tasks and 50 changes a second, building every row per change would be most of a
// frame: the store keeps the order (taskOrder), the list is lazy (only the drawn window is built),
// and a row is kept until its task object (replaced on every change) or its age text changes.
const rowCache = new WeakMap<Task, Row>();

function rowOf(t: Task, now: number): Row {
  const ago = age(t.created_at, now);
  const cached = rowCache.get(t);
  if (cached && cached.cells[5] === ago) return cached;
  const row: Row = {
    id: t.id,
    cells: [t.id, t.state, t.node_id ?? '-', `${t.attempt}/${t.max_attempts}`, t.profile, ago, t.message],
    tone: t.state,
    toneCell: 1,
  };
  rowCache.set(t, row);
  return row;
}

/** Tasks, newest first: id, state, node, attempts, profile, age, message. */
export function tasksModel(fleet: FleetSnapshot, now: number): TableModel {
  const ids = fleet.taskOrder;
  const rows: RowList = {
    length: ids.length,
    at: (i) => {
      const id = ids[i];
      const task = id === undefined ? undefined : fleet.tasks.get(id);
      return task ? rowOf(task, now) : undefined;
    },
  };
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
    rows,
    empty: 'no tasks yet (aidos task submit "…" adds one)',
  };
}
