import { FINAL_TASK_STATES } from '../../shared/tasks.js';
import type { TaskHistory } from './target.js';

// A history's state may also be `missing` or `unknown` (the target could not tell).
const FINAL = new Set<string>(FINAL_TASK_STATES);

/** Lost and twice-completed tasks, counted from what the store recorded. */
export function countTasks(histories: TaskHistory[]): {
  succeeded: number;
  failed: number;
  lost_ids: string[];
  twice_ids: string[];
} {
  let succeeded = 0;
  let failed = 0;
  const lost: string[] = [];
  const twice: string[] = [];
  for (const h of histories) {
    if (h.state === 'succeeded') succeeded++;
    else if (FINAL.has(h.state)) failed++;
    else lost.push(h.id);
    // Completed twice = two runs both recorded success (a stale owner's completion slipped past its fence).
    if (h.events.filter((e) => e === 'succeeded').length > 1) twice.push(h.id);
  }
  return { succeeded, failed, lost_ids: lost, twice_ids: twice };
}

/** True once every history is in a final state. */
export function allFinal(histories: TaskHistory[]): boolean {
  return histories.every((h) => FINAL.has(h.state));
}
