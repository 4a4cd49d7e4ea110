import type { Task } from '../../shared/tasks.js';
import type { FleetSnapshot } from '../fleet/fleet-state.js';
import { age } from './format.js';
import type { Row, TableModel } from './table-model.js';

// With 10,000 tasks and 50 changes a second, re-sorting the ids and rebuilding every row per
// change is most of a frame: the order is kept until the set of ids changes, and a row until its
// task object (replaced on every change) or its age text changes.
let order: { tasks: FleetSnapshot['tasks']; version: number; ids: string[] } | undefined;
const rowCache = new WeakMap<Task, Row>();

function sortedIds(fleet: FleetSnapshot): string[] {
  if (order?.tasks !== fleet.tasks || order.version !== fleet.idsVersion)
    order = { tasks: fleet.tasks, version: fleet.idsVersion, ids: [...fleet.tasks.keys()].sort().reverse() };
  return order.ids;
}

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
  const ids = sortedIds(fleet);
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
    rows: ids.map((id) => rowOf(fleet.tasks.get(id)!, now)),
    empty: 'no tasks yet (aidos task submit "…" adds one)',
  };
}
