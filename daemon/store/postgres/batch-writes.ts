import { toTask } from '../rows.js';
import type { RunCompletion, Task } from '../types.js';
import { SQL } from './sql.js';

type Query = (sql: string, params: unknown[]) => Promise<Record<string, unknown>[]>;

/**
 * Completes many runs in one statement, each fenced as a single completion is; a refused one is
 * logged as `completion_refused` (rare: a lost lease) and comes back undefined.
 */
export async function completeRuns(
  query: Query,
  completions: RunCompletion[],
): Promise<(Task | undefined)[]> {
  if (completions.length === 0) return [];
  const rows = await query(SQL.completeMany, [
    completions.map((c) => c.id),
    completions.map((c) => c.fence),
    completions.map((c) => c.next),
    completions.map((c) => c.retry_delay_ms ?? 0),
    completions.map((c) => (c.result === undefined ? null : JSON.stringify(c.result))),
    completions.map((c) => c.error ?? null),
    completions.map((c) => c.event),
    completions.map((c) => c.node_id),
    completions.map((c) => JSON.stringify({ ...c.detail, ...(c.error ? { error: c.error } : {}) })),
    completions.map((c) => (c.refund_attempt ? 1 : 0)),
  ]);
  const moved = new Map(rows.map((row) => [String(row.id), toTask(row)]));
  for (const c of completions)
    if (!moved.has(c.id))
      await query(SQL.insertEvent, [
        c.id,
        'completion_refused',
        c.node_id,
        JSON.stringify({ stale_fence: c.fence, wanted: c.next }),
      ]);
  return completions.map((c) => moved.get(c.id));
}
