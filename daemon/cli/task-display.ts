import { formatDuration } from '../../shared/duration.js';
import { plural } from '../../shared/plural.js';
import type { Task, TaskEvent } from '../../shared/tasks.js';
import { formatBytes, formatMs, formatTime, type TimeStyle } from './format.js';
import { table } from './output.js';

/** Event kinds that close an attempt, with the outcome they report. */
const ATTEMPT_ENDS = new Set(['succeeded', 'failed', 'retry_scheduled', 'dead', 'cancelled', 'requeued']);

/** One row per attempt: how it ended, how long it ran, its peak memory and its error. */
export function attemptRows(events: TaskEvent[], style: TimeStyle): (string | number | null)[][] {
  return events
    .filter((e) => ATTEMPT_ENDS.has(e.kind) && e.attempt > 0)
    .map((e) => {
      const d = e.detail as Record<string, unknown>;
      const outcome = typeof d.outcome === 'string' ? d.outcome : e.kind;
      const next =
        e.kind === 'retry_scheduled' ? `retry in ${formatDuration(Number(d.retry_in_ms ?? 0))}` : e.kind;
      return [
        e.attempt,
        formatTime(e.at, style),
        outcome === e.kind ? e.kind : `${outcome} → ${next}`,
        formatMs(typeof d.duration_ms === 'number' ? d.duration_ms : null),
        // 0 means no sample was taken (a run shorter than the first sampling tick), not 0 bytes.
        formatBytes(typeof d.peak_rss_bytes === 'number' && d.peak_rss_bytes > 0 ? d.peak_rss_bytes : null),
        e.node_id,
        typeof d.error === 'string' ? d.error : typeof d.reason === 'string' ? d.reason : null,
      ];
    });
}

function cancelReason(task: Task, events: TaskEvent[]): string | null {
  if (task.state !== 'cancelled' && !task.cancel_requested) return null;
  // The reason is on the request (cancel_requested, or cancelled for a queued task), not the outcome.
  const asked = [...events]
    .reverse()
    .find((e) => e.kind.startsWith('cancel') && typeof e.detail.reason === 'string');
  const reason = (asked?.detail as { reason?: unknown } | undefined)?.reason;
  return typeof reason === 'string' ? reason : task.error;
}

/** The `task show` view: labelled fields, then attempts, then the history. */
export function renderTask(task: Task, events: TaskEvent[], style: TimeStyle, waiting?: string): string {
  const labels = Object.entries(task.labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  const reason = cancelReason(task, events);
  const fields: [string, unknown][] = [
    ['id', task.id],
    [
      'state',
      `${task.state}${task.cancel_requested && task.state === 'running' ? ' (cancel requested)' : ''}`,
    ],
    ['profile', task.profile],
    ['attempt', `${task.attempt} of ${plural(task.max_attempts, 'attempt')}`],
    ['priority', task.priority],
    ['timeout', formatDuration(task.timeout_ms)],
    ['labels', labels || null],
    ['node', task.node_id],
    ['pinned', task.pin_node],
    ['requires', requirements(task)],
    ['waiting', waiting],
    ['created', formatTime(task.created_at, style)],
    ['run after', task.run_after > task.created_at ? formatTime(task.run_after, style) : null],
    ['started', formatTime(task.started_at, style)],
    ['finished', formatTime(task.finished_at, style)],
    ['cancelled', reason],
    ['error', reason === task.error ? null : task.error],
    ['final', (task.result as { final?: string } | null)?.final],
  ];
  const lines = fields
    .filter(([, v]) => v !== null && v !== undefined && v !== '')
    .map(([k, v]) => `${`${k}:`.padEnd(11)}${String(v)}`);
  const attempts = attemptRows(events, style);
  if (attempts.length)
    lines.push('', table(['ATTEMPT', 'ENDED', 'OUTCOME', 'RAN', 'PEAK RSS', 'NODE', 'ERROR'], attempts));
  if (events.length)
    lines.push(
      '',
      table(
        ['AT', 'EVENT', 'NODE', 'ATTEMPT'],
        events.map((e) => [formatTime(e.at, style), e.kind, e.node_id, e.attempt]),
      ),
    );
  return lines.join('\n');
}

/** The `task list` table. */
export function renderTaskList(tasks: Task[], style: TimeStyle): string {
  return table(
    ['ID', 'STATE', 'PROFILE', 'ATTEMPT', 'PRIO', 'NODE', 'CREATED', 'RAN', 'MESSAGE'],
    tasks.map((t) => [
      t.id,
      t.state,
      t.profile,
      `${t.attempt}/${t.max_attempts}`,
      t.priority,
      t.node_id,
      formatTime(t.created_at, style),
      t.started_at ? formatDuration((t.finished_at ?? Date.now()) - t.started_at) : null,
      t.message.slice(0, 40).replace(/\s+/g, ' '),
    ]),
  );
}

function requirements(task: Task): string | null {
  const pairs = Object.entries(task.require ?? {}).map(([k, v]) => `${k}=${v}`);
  return pairs.length ? pairs.join(', ') : null;
}
