import { LIST_MESSAGE_CHARS } from '../../shared/tasks.js';
import type { ChaosRunRow } from './facets.js';
import type { HealthResultRow, MoveRequest, NodeRecord, Task, TaskEvent, TaskState } from './types.js';

/** A list of task states as SQL literals, for `state IN (...)` (the states are fixed words, never input). */
export function sqlStates(states: readonly TaskState[]): string {
  return states.map((s) => `'${s}'`).join(', ');
}

/** Column values as either driver returns them: SQLite gives numbers/strings, pg gives Dates/objects. */
type Raw = Record<string, unknown>;

function ms(value: unknown): number {
  if (value instanceof Date) return value.getTime();
  return Number(value);
}

function msOrNull(value: unknown): number | null {
  return value === null || value === undefined ? null : ms(value);
}

function json<T>(value: unknown, fallback: T): T {
  if (value === null || value === undefined) return fallback;
  if (typeof value === 'string') return JSON.parse(value) as T;
  return value as T;
}

export function toTask(row: Raw): Task {
  return {
    id: String(row.id),
    idempotency_key: (row.idempotency_key as string | null) ?? null,
    profile: String(row.profile),
    message: String(row.message),
    priority: Number(row.priority),
    state: row.state as Task['state'],
    attempt: Number(row.attempt),
    max_attempts: Number(row.max_attempts),
    timeout_ms: Number(row.timeout_ms),
    labels: json<Record<string, string>>(row.labels, {}),
    pin_node: (row.pin_node as string | null | undefined) ?? null,
    require: json<Record<string, string>>(row.requires, {}),
    move_to: (row.move_to as string | null | undefined) ?? null,
    run_after: ms(row.run_after),
    created_at: ms(row.created_at),
    updated_at: ms(row.updated_at),
    started_at: msOrNull(row.started_at),
    finished_at: msOrNull(row.finished_at),
    node_id: (row.node_id as string | null) ?? null,
    lease_expires_at: msOrNull(row.lease_expires_at),
    fence: Number(row.fence),
    cancel_requested: Boolean(row.cancel_requested),
    result: json<unknown>(row.result, null),
    error: (row.error as string | null) ?? null,
    // Set by list queries, which read only the head of long messages.
    ...(row.message_length !== undefined && Number(row.message_length) > LIST_MESSAGE_CHARS
      ? { message_truncated: true, message_length: Number(row.message_length) }
      : {}),
  };
}

/** Columns of a task for list queries: the message cut to LIST_MESSAGE_CHARS, with its full length. */
export const LIST_COLUMNS = `id, idempotency_key, profile, substr(message, 1, ${LIST_MESSAGE_CHARS}) AS message,
  length(message) AS message_length, priority, state, attempt, max_attempts, timeout_ms, labels, pin_node, requires, move_to, run_after,
  created_at, updated_at, started_at, finished_at, node_id, lease_expires_at, fence, cancel_requested, result, error`;

export function toTaskEvent(row: Raw): TaskEvent {
  return {
    id: Number(row.id),
    task_id: String(row.task_id),
    at: ms(row.at),
    kind: String(row.kind),
    node_id: (row.node_id as string | null) ?? null,
    attempt: Number(row.attempt),
    fence: Number(row.fence),
    detail: json<Record<string, unknown>>(row.detail, {}),
  };
}

export function toNode(row: Raw): NodeRecord {
  return {
    id: String(row.id),
    address: String(row.address),
    roles: json<string[]>(row.roles, []),
    version: String(row.version),
    status: row.status as NodeRecord['status'],
    started_at: ms(row.started_at),
    heartbeat_at: ms(row.heartbeat_at),
    meta: json<Record<string, unknown>>(row.meta, {}),
  };
}

export function toHealthResult(row: Raw): HealthResultRow {
  return {
    node_id: String(row.node_id),
    check_name: String(row.check_name),
    status: row.status as HealthResultRow['status'],
    observed_value: row.observed_value === null ? null : Number(row.observed_value),
    observed_unit: (row.observed_unit as string | null) ?? null,
    output: (row.output as string | null) ?? null,
    duration_ms: Number(row.duration_ms),
    at: ms(row.at),
  };
}

/** `SELECT state, COUNT(*) AS n … GROUP BY state` rows as a count for every state (0 when absent). */
export function toStateCounts(rows: Raw[]): Record<TaskState, number> {
  const counts: Record<TaskState, number> = {
    queued: 0,
    running: 0,
    succeeded: 0,
    failed: 0,
    cancelled: 0,
    dead: 0,
  };
  for (const row of rows) counts[row.state as TaskState] = Number(row.n);
  return counts;
}

export function toChaosRun(row: Raw): ChaosRunRow {
  return {
    id: String(row.id),
    scenario: String(row.scenario),
    state: String(row.state),
    node_id: String(row.node_id),
    started_at: ms(row.started_at),
    finished_at: msOrNull(row.finished_at),
    report: json<Record<string, unknown>>(row.report, {}),
  };
}

export function toMoveRequest(row: Raw): MoveRequest {
  return { id: String(row.id), to: String(row.move_to) };
}
