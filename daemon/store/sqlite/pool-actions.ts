import type Database from 'better-sqlite3';
import type { MoveOutcome } from '../facets.js';
import { toMoveRequest, toTask } from '../rows.js';
import type { MovedRunRelease, MoveRequest, NodeDrain, Task } from '../types.js';

type Row = Record<string, unknown>;

const SQL = {
  setDrain: `UPDATE nodes SET drain_since = COALESCE(drain_since, @now), drain_deadline = @deadline,
      drain_move = @move WHERE id = @id RETURNING id`,
  clearDrain:
    'UPDATE nodes SET drain_since = NULL, drain_deadline = NULL, drain_move = 0 WHERE id = ? RETURNING id',
  drain: 'SELECT drain_since, drain_deadline, drain_move FROM nodes WHERE id = ? AND drain_since IS NOT NULL',
  retarget: `UPDATE tasks SET pin_node = @node, updated_at = @now
    WHERE id = @id AND state = 'queued' RETURNING *`,
  flagMove: `UPDATE tasks SET move_to = @node, updated_at = @now
    WHERE id = @id AND state = 'running' AND node_id IS NOT @node RETURNING *`,
  event: `INSERT INTO task_events (task_id, at, kind, node_id, attempt, fence, detail)
    VALUES (@task_id, @at, @kind, @node_id, @attempt, @fence, @detail)`,
  moveRequested:
    "SELECT id, move_to FROM tasks WHERE state = 'running' AND node_id = ? AND move_to IS NOT NULL",
  release: `UPDATE tasks SET state = 'queued', attempt = attempt - 1, run_after = @now, updated_at = @now,
      lease_expires_at = NULL, finished_at = NULL, pin_node = COALESCE(move_to, pin_node), move_to = NULL, error = NULL
    WHERE id = @id AND fence = @fence AND state = 'running' RETURNING *`,
  taskById: 'SELECT * FROM tasks WHERE id = ?',
} as const;

/** Drains and moves on SQLite (the PoolStore half of the store); one writer, so each is one transaction. */
export class SqlitePoolActions {
  constructor(
    private readonly db: Database.Database,
    private readonly now: () => number,
    private readonly queued: () => void,
  ) {}

  private event(task: Task, kind: string, nodeId: string | null, detail: Record<string, unknown>): void {
    this.db.prepare(SQL.event).run({
      task_id: task.id,
      at: this.now(),
      kind,
      node_id: nodeId,
      attempt: task.attempt,
      fence: task.fence,
      detail: JSON.stringify(detail),
    });
  }

  async setNodeDrain(id: string, drain: { deadline_ms: number; move: boolean } | null): Promise<boolean> {
    const now = this.now();
    const row = drain
      ? this.db
          .prepare(SQL.setDrain)
          .get({ id, now, deadline: now + drain.deadline_ms, move: drain.move ? 1 : 0 })
      : this.db.prepare(SQL.clearDrain).get(id);
    return row !== undefined;
  }

  async nodeDrain(id: string): Promise<NodeDrain | undefined> {
    const row = this.db.prepare(SQL.drain).get(id) as Row | undefined;
    if (!row) return undefined;
    const deadline = Number(row.drain_deadline);
    return {
      since: Number(row.drain_since),
      deadline_at: deadline,
      deadline_in_ms: deadline - this.now(),
      move: Boolean(row.drain_move),
    };
  }

  async requestMove(id: string, node: string, byNode: string | null): Promise<MoveOutcome | undefined> {
    const outcome = this.db
      .transaction((): MoveOutcome | undefined => {
        const now = this.now();
        const retargeted = this.db.prepare(SQL.retarget).get({ id, node, now }) as Row | undefined;
        if (retargeted) {
          const task = toTask(retargeted);
          this.event(task, 'moved', byNode, { to: node, reason: 'move' });
          return { task, outcome: 'retargeted' };
        }
        const flagged = this.db.prepare(SQL.flagMove).get({ id, node, now }) as Row | undefined;
        if (flagged) {
          const task = toTask(flagged);
          this.event(task, 'move_requested', byNode, { from: task.node_id, to: node });
          return { task, outcome: 'moving' };
        }
        const current = this.db.prepare(SQL.taskById).get(id) as Row | undefined;
        return current ? { task: toTask(current), outcome: 'refused' } : undefined;
      })
      .immediate();
    if (outcome?.outcome === 'retargeted') this.queued();
    return outcome;
  }

  async listMoveRequested(nodeId: string): Promise<MoveRequest[]> {
    return (this.db.prepare(SQL.moveRequested).all(nodeId) as Row[]).map(toMoveRequest);
  }

  async releaseMovedRun(c: MovedRunRelease): Promise<Task | undefined> {
    const task = this.db
      .transaction(() => {
        const row = this.db.prepare(SQL.release).get({ id: c.id, fence: c.fence, now: this.now() }) as
          | Row
          | undefined;
        if (!row) return undefined;
        const released = toTask(row);
        this.event(released, 'moved', c.node_id, {
          from: c.node_id,
          to: released.pin_node,
          reason: c.reason,
        });
        return released;
      })
      .immediate();
    if (task) this.queued();
    return task;
  }
}
