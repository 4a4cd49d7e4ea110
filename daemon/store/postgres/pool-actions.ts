import type { MoveOutcome } from '../facets.js';
import { toMoveRequest, toTask } from '../rows.js';
import type { MovedRunRelease, MoveRequest, NodeDrain, Task } from '../types.js';

type Query = (sql: string, params?: unknown[]) => Promise<Record<string, unknown>[]>;

const NOW = 'clock_timestamp()';
const MS = "* interval '1 millisecond'";
const EPOCH_MS = (column: string) => `(EXTRACT(EPOCH FROM ${column}) * 1000)::float8`;

const SQL = {
  setDrain: `UPDATE nodes SET drain_since = COALESCE(drain_since, ${NOW}), drain_deadline = ${NOW} + $2 ${MS},
      drain_move = $3 WHERE id = $1 RETURNING id`,
  clearDrain:
    'UPDATE nodes SET drain_since = NULL, drain_deadline = NULL, drain_move = false WHERE id = $1 RETURNING id',
  drain: `SELECT ${EPOCH_MS('drain_since')} AS since, ${EPOCH_MS('drain_deadline')} AS deadline_at,
      (EXTRACT(EPOCH FROM (drain_deadline - ${NOW})) * 1000)::float8 AS deadline_in_ms, drain_move
    FROM nodes WHERE id = $1 AND drain_since IS NOT NULL`,
  // `state` is in the SET list so the queued trigger NOTIFYs the target, which then claims at once.
  retarget: `UPDATE tasks SET pin_node = $2, state = 'queued', updated_at = ${NOW}
    WHERE id = $1 AND state = 'queued' RETURNING *`,
  flagMove: `UPDATE tasks SET move_to = $2, updated_at = ${NOW}
    WHERE id = $1 AND state = 'running' AND node_id IS DISTINCT FROM $2 RETURNING *`,
  event: `INSERT INTO task_events (task_id, at, kind, node_id, attempt, fence, detail)
    SELECT id, ${NOW}, $2, $3, attempt, fence, $4 FROM tasks WHERE id = $1`,
  moveRequested:
    "SELECT id, move_to FROM tasks WHERE state = 'running' AND node_id = $1 AND move_to IS NOT NULL",
  release: `WITH done AS (
      UPDATE tasks SET state = 'queued', attempt = attempt - 1, run_after = ${NOW}, updated_at = ${NOW},
        lease_expires_at = NULL, finished_at = NULL, pin_node = COALESCE(move_to, pin_node), move_to = NULL,
        error = NULL
      WHERE id = $1 AND fence = $2 AND state = 'running' RETURNING *),
    ev AS (INSERT INTO task_events (task_id, at, kind, node_id, attempt, fence, detail)
      SELECT id, ${NOW}, 'moved', $3, attempt, fence,
        jsonb_build_object('from', $3::text, 'to', pin_node, 'reason', $4::text) FROM done)
    SELECT * FROM done`,
  taskById: 'SELECT * FROM tasks WHERE id = $1',
} as const;

/** Drains and moves on PostgreSQL (the PoolStore half of the store); times are the server's. */
export class PgPoolActions {
  constructor(private readonly query: Query) {}

  async setNodeDrain(id: string, drain: { deadline_ms: number; move: boolean } | null): Promise<boolean> {
    const rows = drain
      ? await this.query(SQL.setDrain, [id, drain.deadline_ms, drain.move])
      : await this.query(SQL.clearDrain, [id]);
    return rows.length > 0;
  }

  async nodeDrain(id: string): Promise<NodeDrain | undefined> {
    const row = (await this.query(SQL.drain, [id]))[0];
    if (!row) return undefined;
    return {
      since: Math.round(Number(row.since)),
      deadline_at: Math.round(Number(row.deadline_at)),
      deadline_in_ms: Math.round(Number(row.deadline_in_ms)),
      move: Boolean(row.drain_move),
    };
  }

  async requestMove(id: string, node: string, byNode: string | null): Promise<MoveOutcome | undefined> {
    const retargeted = (await this.query(SQL.retarget, [id, node]))[0];
    if (retargeted) {
      await this.query(SQL.event, [id, 'moved', byNode, JSON.stringify({ to: node, reason: 'move' })]);
      return { task: toTask(retargeted), outcome: 'retargeted' };
    }
    const flagged = (await this.query(SQL.flagMove, [id, node]))[0];
    if (flagged) {
      const from = flagged.node_id ?? null;
      await this.query(SQL.event, [id, 'move_requested', byNode, JSON.stringify({ from, to: node })]);
      return { task: toTask(flagged), outcome: 'moving' };
    }
    const current = (await this.query(SQL.taskById, [id]))[0];
    return current ? { task: toTask(current), outcome: 'refused' } : undefined;
  }

  async listMoveRequested(nodeId: string): Promise<MoveRequest[]> {
    return (await this.query(SQL.moveRequested, [nodeId])).map(toMoveRequest);
  }

  async releaseMovedRun(c: MovedRunRelease): Promise<Task | undefined> {
    const row = (await this.query(SQL.release, [c.id, c.fence, c.node_id, c.reason]))[0];
    return row ? toTask(row) : undefined;
  }
}
