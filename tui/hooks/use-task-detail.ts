import { useEffect, useState } from 'react';
import type { Task, TaskEvent } from '../../shared/tasks.js';
import type { FleetConnection, LogLine } from '../fleet/connection.js';

/** Lines of output kept per followed task; the view shows a window of them. */
export const MAX_LOG_LINES = 5000;

/** One task with its history and the tail of its output. */
export interface TaskDetail {
  /** The task as task.get returned it (whole message). */
  task: Task | null;
  /** Its event history, oldest first. */
  events: TaskEvent[];
  /** Output of the followed attempt, oldest first, at most MAX_LOG_LINES. */
  lines: LogLine[];
  /** The attempt whose output is shown. */
  attempt: number;
  /** The run has ended. */
  ended: boolean;
  /** Why the task could not be read. */
  error: string | null;
}

/**
 * Reads a task and follows its live output. The history is re-read when the tasks topic pushes a
 * change of this task (its `updated_at` moves), so nothing polls.
 */
export function useTaskDetail(
  connection: FleetConnection,
  id: string,
  updatedAt: number | undefined,
): TaskDetail {
  const [detail, setDetail] = useState<TaskDetail>({
    task: null,
    events: [],
    lines: [],
    attempt: 0,
    ended: false,
    error: null,
  });
  useEffect(
    () =>
      connection.followLogs(id, {
        snapshot: (lines, attempt, ended) =>
          setDetail((d) => ({ ...d, lines: lines.slice(-MAX_LOG_LINES), attempt, ended })),
        line: (line) =>
          setDetail((d) => {
            const lines =
              d.lines.length >= MAX_LOG_LINES ? d.lines.slice(-(MAX_LOG_LINES - 1)) : d.lines.slice();
            lines.push(line);
            return { ...d, lines };
          }),
      }),
    [connection, id],
  );
  // biome-ignore lint/correctness/useExhaustiveDependencies: updatedAt is the trigger to re-read, not an input
  useEffect(() => {
    let live = true;
    connection
      .call('task.get', { id })
      .then((r) => live && setDetail((d) => ({ ...d, task: r.task, events: r.events, error: null })))
      .catch((e: Error) => live && setDetail((d) => ({ ...d, error: e.message })));
    return () => {
      live = false;
    };
  }, [connection, id, updatedAt]);
  return detail;
}
