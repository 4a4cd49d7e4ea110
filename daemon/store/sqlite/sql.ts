import { FINAL_TASK_STATES, RETRYABLE_TASK_STATES } from '../../../shared/tasks.js';
import { sqlStates } from '../rows.js';

const FINAL = sqlStates(FINAL_TASK_STATES);
const RETRYABLE = sqlStates(RETRYABLE_TASK_STATES);
/** Every SQL statement the SQLite store runs (besides migrations). Times are epoch ms parameters. */
export const SQL = {
  ping: 'SELECT 1',
  upsertNode: `INSERT INTO nodes (id, address, roles, version, status, started_at, heartbeat_at, meta)
    VALUES (@id, @address, @roles, @version, 'up', @started_at, @now, @meta)
    ON CONFLICT (id) DO UPDATE SET address = excluded.address, roles = excluded.roles, version = excluded.version,
      status = 'up', started_at = excluded.started_at, heartbeat_at = excluded.heartbeat_at, meta = excluded.meta`,
  heartbeatNode: 'UPDATE nodes SET heartbeat_at = @now, status = COALESCE(@status, status) WHERE id = @id',
  listNodes: 'SELECT * FROM nodes ORDER BY id',
  storeIdentity: 'SELECT id FROM store_identity ORDER BY created_at LIMIT 1',

  insertTask: `INSERT INTO tasks (id, idempotency_key, profile, message, priority, state, attempt, max_attempts,
      timeout_ms, labels, pin_node, requires, run_after, created_at, updated_at)
    VALUES (@id, @idempotency_key, @profile, @message, @priority, 'queued', 0, @max_attempts,
      @timeout_ms, @labels, @pin_node, @requires, @run_after, @now, @now)
    ON CONFLICT DO NOTHING RETURNING *`,
  taskByKey: 'SELECT * FROM tasks WHERE idempotency_key = ?',
  taskById: 'SELECT * FROM tasks WHERE id = ?',
  countByState: 'SELECT state, COUNT(*) AS n FROM tasks GROUP BY state',
  oldestQueued: "SELECT MIN(run_after) AS t FROM tasks WHERE state = 'queued' AND run_after <= ?",
  eventsOfTask: 'SELECT * FROM task_events WHERE task_id = ? ORDER BY id',
  insertEvent: `INSERT INTO task_events (task_id, at, kind, node_id, attempt, fence, detail)
    VALUES (@task_id, @at, @kind, @node_id, @attempt, @fence, @detail)`,

  // Placement: pinned to no node or to this one, and every required label among this node's.
  claimable: `SELECT id FROM tasks WHERE state = 'queued' AND run_after <= @now
      AND (pin_node IS NULL OR pin_node = @node_id)
      AND NOT EXISTS (SELECT 1 FROM json_each(tasks.requires) r
        WHERE NOT EXISTS (SELECT 1 FROM json_each(@labels) l WHERE l.key = r.key AND l.value = r.value))
    ORDER BY priority DESC, run_after, created_at LIMIT @limit`,
  claim: `UPDATE tasks SET state = 'running', attempt = attempt + 1, fence = fence + 1, node_id = @node_id,
      lease_expires_at = @lease, started_at = @now, updated_at = @now, cancel_requested = 0, error = NULL
    WHERE id = @id AND state = 'queued' RETURNING *`,
  renew: `UPDATE tasks SET lease_expires_at = @lease
    WHERE id = @id AND fence = @fence AND node_id = @node_id AND state = 'running' RETURNING id`,
  complete: `UPDATE tasks SET state = @state, attempt = attempt - @refund, updated_at = @now, lease_expires_at = NULL,
      run_after = COALESCE(@run_after, run_after), finished_at = @finished_at,
      result = COALESCE(@result, result), error = @error
    WHERE id = @id AND fence = @fence AND state = 'running' RETURNING *`,
  cancelQueued: `UPDATE tasks SET state = 'cancelled', updated_at = @now, finished_at = @now, error = @reason
    WHERE id = @id AND state = 'queued' RETURNING *`,
  flagCancel: `UPDATE tasks SET cancel_requested = 1, updated_at = @now
    WHERE id = @id AND state = 'running' RETURNING *`,
  retry: `UPDATE tasks SET state = 'queued', attempt = 0, run_after = @now, updated_at = @now, finished_at = NULL,
      cancel_requested = 0, lease_expires_at = NULL, error = NULL, result = NULL
    WHERE id = @id AND state IN (${RETRYABLE}) RETURNING *`,
  cancelRequested: "SELECT id FROM tasks WHERE state = 'running' AND node_id = ? AND cancel_requested = 1",
  runningOfNode: "SELECT * FROM tasks WHERE state = 'running' AND node_id = ?",
  runningExpired: "SELECT * FROM tasks WHERE state = 'running' AND lease_expires_at < ?",
  requeue: `UPDATE tasks SET state = CASE WHEN attempt >= max_attempts THEN 'dead' ELSE 'queued' END,
      run_after = @now, updated_at = @now, lease_expires_at = NULL, error = @reason,
      finished_at = CASE WHEN attempt >= max_attempts THEN @now ELSE NULL END
    WHERE id = @id AND fence = @fence AND state = 'running' RETURNING *`,
  /** The dead node's live runs, only while its heartbeat row is stale; fence bumped. */
  failover: `UPDATE tasks SET state = CASE WHEN attempt >= max_attempts THEN 'dead' ELSE 'queued' END,
      fence = fence + 1, run_after = @now, updated_at = @now, lease_expires_at = NULL,
      error = 'node ' || @node || ' declared dead',
      finished_at = CASE WHEN attempt >= max_attempts THEN @now ELSE NULL END
    WHERE node_id = @node AND state = 'running' AND lease_expires_at >= @now
      AND EXISTS (SELECT 1 FROM nodes n WHERE n.id = @node AND n.heartbeat_at < @now - @stale)
    RETURNING *`,
  pruneTasks: `DELETE FROM tasks WHERE finished_at < ? AND state IN (${FINAL})`,

  insertHealth: `INSERT INTO health_results (node_id, check_name, status, observed_value, observed_unit, output, duration_ms, at)
    VALUES (@node_id, @check_name, @status, @observed_value, @observed_unit, @output, @duration_ms, @at)`,
  pruneHealth: 'DELETE FROM health_results WHERE at < ?',
} as const;
