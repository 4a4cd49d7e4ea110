import { FINAL_TASK_STATES, RETRYABLE_TASK_STATES } from '../../../shared/tasks.js';
import { sqlStates } from '../rows.js';

const FINAL = sqlStates(FINAL_TASK_STATES);
const RETRYABLE = sqlStates(RETRYABLE_TASK_STATES);
/** Every SQL statement the PostgreSQL store runs (besides migrations). The store's clock is the server's. */
const NOW = 'clock_timestamp()';
const MS = "* interval '1 millisecond'";

export const NOTIFY_CHANNEL = 'aidos_task_queued';

/**
 * A claim or renewal also moves the node's heartbeat row: its agents' guards count from no
 * earlier than that statement, so a row older than the guard's bound proves they were stopped
 * (the failover statement's condition). Only when rows were taken, so an idle poll writes nothing.
 */
const PROVEN = (cte: string) =>
  `proof AS (UPDATE nodes SET heartbeat_at = ${NOW} WHERE id = $1 AND EXISTS (SELECT 1 FROM ${cte}))`;

export const SQL = {
  ping: 'SELECT 1',
  upsertNode: `INSERT INTO nodes (id, address, roles, version, status, started_at, heartbeat_at, meta)
    VALUES ($1, $2, $3, $4, 'up', COALESCE(to_timestamp($5 / 1000.0), ${NOW}), ${NOW}, $6)
    ON CONFLICT (id) DO UPDATE SET address = excluded.address, roles = excluded.roles, version = excluded.version,
      status = 'up', started_at = excluded.started_at, heartbeat_at = excluded.heartbeat_at, meta = excluded.meta`,
  heartbeatNode: `UPDATE nodes SET heartbeat_at = ${NOW}, status = COALESCE($2, status) WHERE id = $1`,
  listNodes: 'SELECT * FROM nodes ORDER BY id',
  storeIdentity: 'SELECT id FROM store_identity ORDER BY created_at LIMIT 1',

  insertTask: `WITH ins AS (
      INSERT INTO tasks (id, idempotency_key, profile, message, priority, state, attempt, max_attempts,
        timeout_ms, labels, run_after, created_at, updated_at, pin_node, requires)
      VALUES ($1, $2, $3, $4, $5, 'queued', 0, $6, $7, $8, COALESCE(to_timestamp($9 / 1000.0), ${NOW}), ${NOW}, ${NOW},
        $11, $12)
      ON CONFLICT DO NOTHING RETURNING *),
    ev AS (INSERT INTO task_events (task_id, at, kind, node_id, attempt, fence, detail)
      SELECT id, ${NOW}, 'submitted', $10, 0, 0, jsonb_build_object('priority', priority, 'profile', profile) FROM ins)
    SELECT * FROM ins`,
  taskByKey: 'SELECT * FROM tasks WHERE idempotency_key = $1',
  taskById: 'SELECT * FROM tasks WHERE id = $1',
  countByState: 'SELECT state, COUNT(*)::int AS n FROM tasks GROUP BY state',
  oldestQueued: `SELECT COALESCE(EXTRACT(EPOCH FROM (${NOW} - MIN(run_after))) * 1000, 0) AS age
    FROM tasks WHERE state = 'queued' AND run_after <= ${NOW}`,
  eventsOfTask: 'SELECT * FROM task_events WHERE task_id = $1 ORDER BY id',
  insertEvent: `INSERT INTO task_events (task_id, at, kind, node_id, attempt, fence, detail)
    SELECT id, ${NOW}, $2, $3, attempt, fence, $4 FROM tasks WHERE id = $1`,

  /**
   * One round trip: pick with SKIP LOCKED (aidos_claimable, migration 0005: the queue index in
   * order, never a sort of the whole queue), mark running with a new fence and lease, log the claim.
   */
  claim: `WITH picked AS (SELECT id FROM aidos_claimable($1, $2::int, $4::text[], $5::jsonb, $6::boolean) AS id),
    claimed AS (
      UPDATE tasks t SET state = 'running', attempt = t.attempt + 1, fence = t.fence + 1, node_id = $1,
        lease_expires_at = ${NOW} + $3 ${MS}, started_at = ${NOW}, updated_at = ${NOW}, cancel_requested = false,
        error = NULL
      FROM picked WHERE t.id = picked.id RETURNING t.*),
    ev AS (INSERT INTO task_events (task_id, at, kind, node_id, attempt, fence, detail)
      SELECT id, ${NOW}, 'claimed', $1, attempt, fence, jsonb_build_object('lease_ms', $3::bigint) FROM claimed),
    ${PROVEN('claimed')}
    SELECT * FROM claimed ORDER BY priority DESC, run_after, created_at`,
  renew: `WITH kept AS (UPDATE tasks t SET lease_expires_at = ${NOW} + $2 ${MS}
      FROM unnest($3::text[], $4::bigint[]) AS r(id, fence)
      WHERE t.id = r.id AND t.fence = r.fence AND t.node_id = $1 AND t.state = 'running' RETURNING t.id),
    ${PROVEN('kept')}
    SELECT id FROM kept`,
  complete: `WITH done AS (
      UPDATE tasks SET state = $3, attempt = attempt - $10::int, updated_at = ${NOW}, lease_expires_at = NULL,
        run_after = CASE WHEN $3 = 'queued' THEN ${NOW} + $4 ${MS} ELSE run_after END,
        finished_at = CASE WHEN $3 = 'queued' THEN NULL ELSE ${NOW} END,
        result = COALESCE($5, result), error = $6
      WHERE id = $1 AND fence = $2 AND state = 'running' RETURNING *),
    ev AS (INSERT INTO task_events (task_id, at, kind, node_id, attempt, fence, detail)
      SELECT id, ${NOW}, $7, $8, attempt, fence, $9 FROM done)
    SELECT * FROM done`,
  /** Many completions in one round trip: each row fenced as in `complete`; the rows moved come back. */
  completeMany: `WITH input AS (
      SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::bigint[], $5::jsonb[], $6::text[], $7::text[],
        $8::text[], $9::jsonb[], $10::int[]) AS r(id, fence, next, delay_ms, result, error, ev_kind, ev_node, ev_detail, refund)),
    done AS (
      UPDATE tasks t SET state = i.next, attempt = t.attempt - i.refund, updated_at = ${NOW}, lease_expires_at = NULL,
        run_after = CASE WHEN i.next = 'queued' THEN ${NOW} + i.delay_ms ${MS} ELSE t.run_after END,
        finished_at = CASE WHEN i.next = 'queued' THEN NULL ELSE ${NOW} END,
        result = COALESCE(i.result, t.result), error = i.error
      FROM input i WHERE t.id = i.id AND t.fence = i.fence AND t.state = 'running'
      RETURNING t.*, i.ev_kind, i.ev_node, i.ev_detail),
    ev AS (INSERT INTO task_events (task_id, at, kind, node_id, attempt, fence, detail)
      SELECT id, ${NOW}, ev_kind, ev_node, attempt, fence, ev_detail FROM done)
    SELECT * FROM done`,
  /** Many events on existing tasks in one round trip (attempt and fence as the task has them now). */
  insertEvents: `INSERT INTO task_events (task_id, at, kind, node_id, attempt, fence, detail)
    SELECT t.id, ${NOW}, r.kind, r.node_id, t.attempt, t.fence, r.detail
    FROM unnest($1::text[], $2::text[], $3::text[], $4::jsonb[]) AS r(id, kind, node_id, detail)
    JOIN tasks t ON t.id = r.id`,
  cancelRequested: "SELECT id FROM tasks WHERE state = 'running' AND node_id = $1 AND cancel_requested",
  cancelQueued: `UPDATE tasks SET state = 'cancelled', updated_at = ${NOW}, finished_at = ${NOW}, error = $2
    WHERE id = $1 AND state = 'queued' RETURNING *`,
  flagCancel: `UPDATE tasks SET cancel_requested = true, updated_at = ${NOW}
    WHERE id = $1 AND state = 'running' RETURNING *`,
  retry: `UPDATE tasks SET state = 'queued', attempt = 0, run_after = ${NOW}, updated_at = ${NOW}, finished_at = NULL,
      cancel_requested = false, lease_expires_at = NULL, error = NULL, result = NULL
    WHERE id = $1 AND state IN (${RETRYABLE}) RETURNING *`,
  /** $1 picks the rows: a node id, or NULL for "every lapsed lease". */
  requeue: `WITH gone AS (
      SELECT id, node_id FROM tasks WHERE state = 'running'
        AND (($1::text IS NOT NULL AND node_id = $1) OR ($1::text IS NULL AND lease_expires_at < ${NOW}))
      FOR UPDATE SKIP LOCKED),
    moved AS (
      UPDATE tasks t SET state = CASE WHEN t.attempt >= t.max_attempts THEN 'dead' ELSE 'queued' END,
        run_after = ${NOW}, updated_at = ${NOW}, lease_expires_at = NULL, error = $2,
        finished_at = CASE WHEN t.attempt >= t.max_attempts THEN ${NOW} ELSE NULL END
      FROM gone WHERE t.id = gone.id RETURNING t.*, gone.node_id AS previous_node),
    ev AS (INSERT INTO task_events (task_id, at, kind, node_id, attempt, fence, detail)
      SELECT id, ${NOW}, CASE WHEN state = 'dead' THEN 'dead' ELSE 'requeued' END, NULL, attempt, fence,
        jsonb_build_object('reason', $2::text, 'previous_node', previous_node) FROM moved)
    SELECT * FROM moved`,
  /** One statement: the dead node's live runs, only while its heartbeat row is stale; fence bumped. */
  failover: `WITH moved AS (
      UPDATE tasks t SET state = CASE WHEN t.attempt >= t.max_attempts THEN 'dead' ELSE 'queued' END,
        fence = t.fence + 1, run_after = ${NOW}, updated_at = ${NOW}, lease_expires_at = NULL,
        error = 'node ' || $1::text || ' declared dead',
        finished_at = CASE WHEN t.attempt >= t.max_attempts THEN ${NOW} ELSE NULL END
      WHERE t.node_id = $1 AND t.state = 'running' AND t.lease_expires_at >= ${NOW}
        AND EXISTS (SELECT 1 FROM nodes n WHERE n.id = $1 AND n.heartbeat_at < ${NOW} - $2 ${MS})
      RETURNING t.*),
    ev AS (INSERT INTO task_events (task_id, at, kind, node_id, attempt, fence, detail)
      SELECT id, ${NOW}, CASE WHEN state = 'dead' THEN 'dead' ELSE 'requeued' END, $3, attempt, fence,
        jsonb_build_object('reason', 'node_dead', 'previous_node', $1::text) FROM moved)
    SELECT * FROM moved`,
  pruneTasks: `DELETE FROM tasks WHERE finished_at < to_timestamp($1 / 1000.0)
    AND state IN (${FINAL})`,

  insertHealth: `INSERT INTO health_results (node_id, check_name, status, observed_value, observed_unit, output, duration_ms, at)
    SELECT node_id, check_name, status, observed_value, observed_unit, output, duration_ms, to_timestamp(at_ms / 1000.0)
    FROM unnest($1::text[], $2::text[], $3::text[], $4::float8[], $5::text[], $6::text[], $7::float8[], $8::float8[])
      AS r(node_id, check_name, status, observed_value, observed_unit, output, duration_ms, at_ms)`,
  pruneHealth: 'DELETE FROM health_results WHERE at < to_timestamp($1 / 1000.0)',
} as const;

/** Run on every claim, run and submission: named, so each connection plans them once (prepared.ts). */
export const HOT_STATEMENTS: readonly string[] = [
  SQL.claim,
  SQL.renew,
  SQL.complete,
  SQL.completeMany,
  SQL.insertEvents,
  SQL.insertEvent,
  SQL.insertTask,
  SQL.taskById,
];
