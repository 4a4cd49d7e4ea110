import type { Task, TaskState } from '../../shared/tasks.js';

/** Tasks by state. */
export type TaskCounts = Readonly<Record<TaskState, number>>;

const ZERO: TaskCounts = { queued: 0, running: 0, succeeded: 0, failed: 0, dead: 0, cancelled: 0 };

/** Index of the first id in `desc` (sorted newest first) that is not greater than `id`. */
function insertionPoint(desc: readonly string[], id: string): number {
  let lo = 0;
  let hi = desc.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((desc[mid] as string) > id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * What the views need from 10,000 tasks without looking at all of them on every change: the ids
 * newest first (task ids sort by creation), the count per state, and the running ones. A change
 * costs O(log n) plus, for a new id, one copy of the id array (a new array, so views memoise on it).
 */
export class TaskIndex {
  /** Ids, newest first; a new array whenever the set of ids changes. */
  order: readonly string[] = [];
  /** Tasks per state; a new object whenever a count changes. */
  counts: TaskCounts = ZERO;
  /** Ids of the running tasks (the Agents view lists them per node). */
  readonly running = new Set<string>();

  /** Rebuilds from every task (a snapshot, a page of older ones). */
  rebuild(tasks: ReadonlyMap<string, Task>): void {
    this.order = [...tasks.keys()].sort().reverse();
    const counts = { ...ZERO };
    this.running.clear();
    for (const t of tasks.values()) {
      counts[t.state]++;
      if (t.state === 'running') this.running.add(t.id);
    }
    this.counts = counts;
  }

  /** One task replaced `before` (undefined: a new task). */
  change(before: Task | undefined, after: Task): void {
    if (!before) {
      const at = insertionPoint(this.order, after.id);
      const order = this.order.slice();
      order.splice(at, 0, after.id);
      this.order = order;
    }
    if (before?.state !== after.state) {
      const counts = { ...this.counts, [after.state]: this.counts[after.state] + 1 };
      if (before) counts[before.state]--;
      this.counts = counts;
    }
    if (after.state === 'running') this.running.add(after.id);
    else this.running.delete(after.id);
  }
}
