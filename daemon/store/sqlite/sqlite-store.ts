import { EventEmitter } from 'node:events';
import { dirname } from 'node:path';
import { performance } from 'node:perf_hooks';
import type Database from 'better-sqlite3';
import { AidosError } from '../../errors.js';
import { makeDirectory } from '../../util/make-directory.js';
import { loadSqlite } from '../drivers.js';
import type { ChaosRunRow, Store } from '../facets.js';
import { LIST_COLUMNS, toHealthResult, toNode, toStateCounts, toTask, toTaskEvent } from '../rows.js';
import type {
  HealthResultRow,
  NewTask,
  NodeRecord,
  RunCompletion,
  Task,
  TaskEvent,
  TaskEventInput,
  TaskQuery,
  TaskState,
} from '../types.js';
import { SqliteChaosRuns } from './chaos-runs.js';
import { SqliteStoreDiagnostics } from './diagnostics.js';
import { type GroupOutcome, GroupWriter } from './group-writer.js';
import { SqliteMigrationDriver } from './migration-driver.js';
import { SqlitePoolActions } from './pool-actions.js';
import { SQL } from './sql.js';
import { cacheStatements } from './statement-cache.js';

type Row = Record<string, unknown>;

/** Options for the embedded single-host store. */
export interface SqliteStoreOptions {
  /** Path of the database file (created with its folder). */
  path: string;
  /** How long a writer waits for the lock before failing. */
  busyTimeoutMs: number;
  /** Clock, injectable for tests. */
  now?: () => number;
}

/** The embedded store: one SQLite file in WAL mode, for a single host. */
export class SqliteStore implements Store {
  readonly dialect = 'sqlite' as const;
  readonly description: string;
  readonly migrations: SqliteMigrationDriver;
  readonly diagnostics: SqliteStoreDiagnostics;
  private readonly db: Database.Database;
  private readonly runs: SqliteChaosRuns;
  private readonly poolActions: SqlitePoolActions;
  private readonly now: () => number;
  private readonly queued = new EventEmitter();
  private closed = false;

  constructor(options: SqliteStoreOptions) {
    this.now = options.now ?? Date.now;
    this.description = `sqlite:${options.path}`;
    try {
      makeDirectory(dirname(options.path));
      const Sqlite = loadSqlite();
      this.db = new Sqlite(options.path, { timeout: options.busyTimeoutMs });
      this.runs = new SqliteChaosRuns(this.db);
      this.poolActions = new SqlitePoolActions(this.db, this.now, () => this.notifyQueued());
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      this.db.pragma('foreign_keys = ON');
      this.db.pragma(`busy_timeout = ${Math.round(options.busyTimeoutMs)}`);
      cacheStatements(this.db);
    } catch (cause) {
      throw new AidosError(
        'store',
        `cannot open SQLite database ${options.path}: ${(cause as Error).message}`,
        { cause },
      );
    }
    this.migrations = new SqliteMigrationDriver(this.db);
    this.diagnostics = new SqliteStoreDiagnostics(this.db, this.description, () => this.ping());
  }

  private event(task: Task, kind: string, nodeId: string | null, detail: Record<string, unknown> = {}): void {
    this.db.prepare(SQL.insertEvent).run({
      task_id: task.id,
      at: this.now(),
      kind,
      node_id: nodeId,
      attempt: task.attempt,
      fence: task.fence,
      detail: JSON.stringify(detail),
    });
  }

  /**
   * Delivered after the caller's own continuation, as PostgreSQL delivers NOTIFY after the commit:
   * whoever submitted sees (and publishes) `queued` before a woken worker publishes `running`.
   */
  private notifyQueued(): void {
    setImmediate(() => this.queued.emit('queued'));
  }

  private readonly submits = new GroupWriter((inputs: NewTask[], deadline: number) =>
    this.writeSubmits(inputs, deadline),
  );

  async ping(): Promise<number> {
    const start = performance.now();
    this.db.prepare(SQL.ping).get();
    return performance.now() - start;
  }

  async startChaosRun(run: Omit<ChaosRunRow, 'state' | 'finished_at'>) {
    return this.runs.start(run);
  }

  async finishChaosRun(id: string, state: string, finishedAt: number, report: Record<string, unknown>) {
    this.runs.finish(id, state, finishedAt, report);
  }

  async getChaosRun(id: string) {
    return this.runs.get(id);
  }

  async listChaosRuns(limit: number) {
    return this.runs.list(limit);
  }

  async failStaleChaosRuns(nodeId: string, at: number) {
    return this.runs.failStale(nodeId, at);
  }

  setNodeDrain(id: string, drain: { deadline_ms: number; move: boolean } | null) {
    return this.poolActions.setNodeDrain(id, drain);
  }

  nodeDrain(id: string) {
    return this.poolActions.nodeDrain(id);
  }

  requestMove(id: string, node: string, byNode: string | null) {
    return this.poolActions.requestMove(id, node, byNode);
  }

  listMoveRequested(nodeId: string) {
    return this.poolActions.listMoveRequested(nodeId);
  }

  releaseMovedRun(c: { id: string; fence: number; node_id: string; reason: string }) {
    return this.poolActions.releaseMovedRun(c);
  }

  /** No PostgreSQL here: the PostgreSQL faults are refused on a SQLite node. */
  chaosFaults(): undefined {
    return undefined;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.queued.removeAllListeners();
    this.db.close();
  }

  onTaskQueued(listener: () => void): () => void {
    this.queued.on('queued', listener);
    return () => this.queued.off('queued', listener);
  }

  async registerNode(
    node: Omit<NodeRecord, 'heartbeat_at' | 'status' | 'started_at'> & { started_at?: number },
  ): Promise<void> {
    const now = this.now();
    this.db.prepare(SQL.upsertNode).run({
      id: node.id,
      address: node.address,
      roles: JSON.stringify(node.roles),
      version: node.version,
      started_at: node.started_at ?? now,
      now,
      meta: JSON.stringify(node.meta),
    });
  }

  async heartbeatNode(id: string, status?: NodeRecord['status']): Promise<void> {
    this.db.prepare(SQL.heartbeatNode).run({ id, now: this.now(), status: status ?? null });
  }

  async listNodes(): Promise<NodeRecord[]> {
    return (this.db.prepare(SQL.listNodes).all() as Row[]).map(toNode);
  }

  async storeIdentity(): Promise<string> {
    const row = this.db.prepare(SQL.storeIdentity).get() as { id: string } | undefined;
    if (!row) throw new AidosError('store', 'store_identity is empty: the store was not migrated by aidos');
    return row.id;
  }

  /** Submits arriving in one turn of the event loop are written in one transaction (group-writer.ts). */
  submitTask(input: NewTask): Promise<{ task: Task; created: boolean }> {
    return this.submits.write(input);
  }

  /**
   * One transaction, a savepoint per submit so that one failure stays its own; stops after the
   * first submit that ends past `deadline` (the group writer writes the rest next turn). Workers
   * are woken only for a task due now: one due later is found by their poll, and a claim round
   * per group for a burst of deferred tasks would scan the whole queue each time.
   */
  private writeSubmits(
    inputs: NewTask[],
    deadline: number,
  ): GroupOutcome<{ task: Task; created: boolean }>[] {
    const outcomes = this.db
      .transaction(() => {
        const written: GroupOutcome<{ task: Task; created: boolean }>[] = [];
        for (const input of inputs) {
          try {
            written.push({ ok: this.db.transaction(() => this.insertTask(input))() });
          } catch (error) {
            written.push({ error });
          }
          if (performance.now() > deadline) break;
        }
        return written;
      })
      .immediate();
    const now = this.now();
    if (outcomes.some((o) => 'ok' in o && o.ok.created && o.ok.task.run_after <= now)) this.notifyQueued();
    return outcomes;
  }

  private insertTask(input: NewTask): { task: Task; created: boolean } {
    const now = this.now();
    const row = this.db.prepare(SQL.insertTask).get({
      id: input.id,
      idempotency_key: input.idempotency_key ?? null,
      profile: input.profile,
      message: input.message,
      priority: input.priority,
      max_attempts: input.max_attempts,
      timeout_ms: input.timeout_ms,
      labels: JSON.stringify(input.labels),
      pin_node: input.pin_node ?? null,
      requires: JSON.stringify(input.require ?? {}),
      run_after: input.run_after ?? now,
      now,
    }) as Row | undefined;
    if (!row) {
      const existing = this.db.prepare(SQL.taskByKey).get(input.idempotency_key ?? null) as Row | undefined;
      if (!existing) throw new AidosError('conflict', `task id ${input.id} already exists`, { field: 'id' });
      return { task: toTask(existing), created: false };
    }
    const task = toTask(row);
    this.event(task, 'submitted', input.node_id ?? null, {
      priority: task.priority,
      profile: task.profile,
    });
    return { task, created: true };
  }

  async getTask(id: string): Promise<Task | undefined> {
    const row = this.db.prepare(SQL.taskById).get(id) as Row | undefined;
    return row ? toTask(row) : undefined;
  }

  async listTasks(query: TaskQuery): Promise<Task[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.states?.length) {
      where.push(`state IN (${query.states.map(() => '?').join(', ')})`);
      params.push(...query.states);
    }
    if (query.label) {
      // json_each compares the key as data: a JSON path built from it breaks on `\` and `"`.
      where.push("EXISTS (SELECT 1 FROM json_each(labels) WHERE key = ? AND type = 'text' AND value = ?)");
      params.push(query.label.key, query.label.value);
    }
    if (query.before_id) {
      where.push('id < ?');
      params.push(query.before_id);
    }
    const sql = `SELECT ${LIST_COLUMNS} FROM tasks ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    return (this.db.prepare(sql).all(...params, query.limit) as Row[]).map(toTask);
  }

  async countTasksByState(): Promise<Record<TaskState, number>> {
    return toStateCounts(this.db.prepare(SQL.countByState).all() as Row[]);
  }

  async oldestQueuedAgeMs(): Promise<number> {
    const now = this.now();
    const row = this.db.prepare(SQL.oldestQueued).get(now) as { t: number | null };
    return row.t === null ? 0 : Math.max(0, now - row.t);
  }

  async listTaskEvents(taskId: string): Promise<TaskEvent[]> {
    return (this.db.prepare(SQL.eventsOfTask).all(taskId) as Row[]).map(toTaskEvent);
  }

  async claimTasks(
    nodeId: string,
    limit: number,
    leaseMs: number,
    profiles?: string[],
    labels: Record<string, string> = {},
    placedOnly = false,
  ): Promise<Task[]> {
    if (limit <= 0) return [];
    const claim = this.db.transaction(() => {
      const now = this.now();
      const filter =
        (profiles ? ` AND profile IN (${profiles.map(() => '?').join(', ')})` : '') +
        (placedOnly ? ` AND (pin_node = @node_id OR requires <> '{}')` : '');
      const sql = SQL.claimable.replace('@now', `@now${filter}`);
      const ids = this.db.prepare(sql).all(...(profiles ?? []), {
        now,
        limit,
        node_id: nodeId,
        labels: JSON.stringify(labels),
      }) as { id: string }[];
      const claimed: Task[] = [];
      for (const { id } of ids) {
        const row = this.db.prepare(SQL.claim).get({ id, node_id: nodeId, now, lease: now + leaseMs }) as
          | Row
          | undefined;
        if (!row) continue;
        const task = toTask(row);
        this.event(task, 'claimed', nodeId, { lease_ms: leaseMs });
        claimed.push(task);
      }
      return claimed;
    });
    return claim.immediate();
  }

  async renewLeases(
    nodeId: string,
    runs: { id: string; fence: number }[],
    leaseMs: number,
  ): Promise<string[]> {
    const renew = this.db.transaction(() => {
      const lease = this.now() + leaseMs;
      const kept: string[] = [];
      for (const run of runs) {
        const row = this.db.prepare(SQL.renew).get({ id: run.id, fence: run.fence, node_id: nodeId, lease });
        if (row) kept.push(run.id);
      }
      return kept;
    });
    return renew.immediate();
  }

  async completeRun(c: RunCompletion): Promise<boolean> {
    const complete = this.db.transaction(() => {
      const now = this.now();
      const final = c.next !== 'queued';
      const row = this.db.prepare(SQL.complete).get({
        id: c.id,
        fence: c.fence,
        state: c.next,
        now,
        run_after: final ? null : now + (c.retry_delay_ms ?? 0),
        finished_at: final ? now : null,
        result: c.result === undefined ? null : JSON.stringify(c.result),
        error: c.error ?? null,
        refund: c.refund_attempt ? 1 : 0,
      }) as Row | undefined;
      if (!row) {
        const current = this.db.prepare(SQL.taskById).get(c.id) as Row | undefined;
        if (current) {
          this.event(toTask(current), 'completion_refused', c.node_id, {
            stale_fence: c.fence,
            wanted: c.next,
          });
        }
        return false;
      }
      this.event(toTask(row), c.event, c.node_id, { ...c.detail, ...(c.error ? { error: c.error } : {}) });
      return true;
    });
    const ok = complete.immediate();
    if (ok && c.next === 'queued') this.notifyQueued();
    return ok;
  }

  // One host, one file: batching buys nothing here, so each goes as a single call would.
  async completeRuns(completions: RunCompletion[]): Promise<(Task | undefined)[]> {
    const after: (Task | undefined)[] = [];
    for (const c of completions)
      after.push((await this.completeRun(c)) ? await this.getTask(c.id) : undefined);
    return after;
  }

  async appendTaskEvents(events: TaskEventInput[]): Promise<void> {
    for (const e of events) await this.appendTaskEvent(e.task_id, e.kind, e.node_id, e.detail);
  }

  async listCancelRequested(nodeId: string): Promise<string[]> {
    return (this.db.prepare(SQL.cancelRequested).all(nodeId) as { id: string }[]).map((r) => r.id);
  }

  async appendTaskEvent(
    taskId: string,
    kind: string,
    nodeId: string | null,
    detail: Record<string, unknown> = {},
  ): Promise<void> {
    const row = this.db.prepare(SQL.taskById).get(taskId) as Row | undefined;
    if (row) this.event(toTask(row), kind, nodeId, detail);
  }

  async requestCancel(id: string, nodeId: string | null, reason: string): Promise<Task | undefined> {
    const cancel = this.db.transaction(() => {
      const now = this.now();
      const cancelled = this.db.prepare(SQL.cancelQueued).get({ id, now, reason }) as Row | undefined;
      if (cancelled) {
        const task = toTask(cancelled);
        this.event(task, 'cancelled', nodeId, { reason });
        return task;
      }
      const flagged = this.db.prepare(SQL.flagCancel).get({ id, now }) as Row | undefined;
      if (flagged) {
        const task = toTask(flagged);
        this.event(task, 'cancel_requested', nodeId, { reason });
        return task;
      }
      const row = this.db.prepare(SQL.taskById).get(id) as Row | undefined;
      return row ? toTask(row) : undefined;
    });
    return cancel.immediate();
  }

  async retryTask(id: string, nodeId: string | null): Promise<Task | undefined> {
    const retry = this.db.transaction(() => {
      const row = this.db.prepare(SQL.retry).get({ id, now: this.now() }) as Row | undefined;
      if (row) {
        const task = toTask(row);
        this.event(task, 'retried', nodeId, {});
        return { task, changed: true };
      }
      const current = this.db.prepare(SQL.taskById).get(id) as Row | undefined;
      return { task: current ? toTask(current) : undefined, changed: false };
    });
    const { task, changed } = retry.immediate();
    if (changed) this.notifyQueued();
    return task;
  }

  private requeue(selectSql: string, arg: unknown, reason: string): Task[] {
    const requeue = this.db.transaction(() => {
      const now = this.now();
      const out: Task[] = [];
      for (const running of (this.db.prepare(selectSql).all(arg) as Row[]).map(toTask)) {
        const row = this.db.prepare(SQL.requeue).get({ id: running.id, fence: running.fence, now, reason }) as
          | Row
          | undefined;
        if (!row) continue;
        const task = toTask(row);
        this.event(task, task.state === 'dead' ? 'dead' : 'requeued', null, {
          reason,
          previous_node: running.node_id,
        });
        out.push(task);
      }
      return out;
    });
    const tasks = requeue.immediate();
    if (tasks.some((t) => t.state === 'queued')) this.notifyQueued();
    return tasks;
  }

  async requeueNodeRuns(nodeId: string, reason: string): Promise<Task[]> {
    return this.requeue(SQL.runningOfNode, nodeId, reason);
  }

  async failoverNodeRuns(deadNode: string, staleMs: number, byNode: string): Promise<Task[]> {
    const failover = this.db.transaction(() => {
      const rows = this.db
        .prepare(SQL.failover)
        .all({ node: deadNode, stale: staleMs, now: this.now() }) as Row[];
      const tasks = rows.map(toTask);
      for (const task of tasks)
        this.event(task, task.state === 'dead' ? 'dead' : 'requeued', byNode, {
          reason: 'node_dead',
          previous_node: deadNode,
        });
      return tasks;
    });
    const tasks = failover.immediate();
    if (tasks.some((t) => t.state === 'queued')) this.notifyQueued();
    return tasks;
  }

  async requeueExpiredLeases(reason: string): Promise<Task[]> {
    return this.requeue(SQL.runningExpired, this.now(), reason);
  }

  async pruneFinishedTasks(finishedBefore: number): Promise<number> {
    return this.db.prepare(SQL.pruneTasks).run(finishedBefore).changes;
  }

  async insertHealthResults(rows: HealthResultRow[]): Promise<void> {
    const insert = this.db.prepare(SQL.insertHealth);
    this.db.transaction(() => {
      for (const row of rows) insert.run(row);
    })();
  }

  async listHealthResults(query: {
    node_id?: string;
    check_name?: string;
    limit: number;
  }): Promise<HealthResultRow[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.node_id) {
      where.push('node_id = ?');
      params.push(query.node_id);
    }
    if (query.check_name) {
      where.push('check_name = ?');
      params.push(query.check_name);
    }
    const sql = `SELECT * FROM health_results ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY at DESC, id DESC LIMIT ?`;
    return (this.db.prepare(sql).all(...params, query.limit) as Row[]).map(toHealthResult);
  }

  async pruneHealthResults(before: number): Promise<number> {
    return this.db.prepare(SQL.pruneHealth).run(before).changes;
  }
}
