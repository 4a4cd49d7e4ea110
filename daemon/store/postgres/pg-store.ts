import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import { AidosError } from '../../errors.js';
import { loadPg } from '../drivers.js';
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
import { completeRuns } from './batch-writes.js';
import { PostgresChaosFacet } from './chaos-facet.js';
import { PgChaosRuns } from './chaos-runs.js';
import { PostgresStoreDiagnostics } from './diagnostics.js';
import { PgListener } from './listener.js';
import { PostgresMigrationDriver } from './migration-driver.js';
import { PgPoolActions } from './pool-actions.js';
import { PreparedStatements } from './prepared.js';
import { ReplicaReads } from './replica.js';
import { HOT_STATEMENTS, NOTIFY_CHANNEL, SQL } from './sql.js';

/** Options for the shared cluster store. */
export interface PostgresStoreOptions {
  /** postgres:// URL. */
  url: string;
  /** Most connections this daemon opens. */
  poolMax: number;
  /** Close idle connections after this long. */
  idleTimeoutMs: number;
  /** Server-side limit per statement. */
  statementTimeoutMs: number;
  /** Give up connecting after this long. */
  connectTimeoutMs: number;
  /** Shown in pg_stat_activity.application_name. */
  applicationName: string;
  /** Called when an idle pooled connection errors (the server went away). */
  onPoolError?: (error: Error) => void;
  /** Read replica for read-only queries (lists, counts, task and health history). */
  readReplicaUrl?: string;
  /** Reads return to the primary while the replica lags more than this (default 10 s). */
  replicaMaxLagMs?: number;
  /** The server itself, for the LISTEN connection when `url` goes through a pooler. */
  directUrl?: string;
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://(unparseable url)';
  }
}

/** The cluster store: PostgreSQL through pg.Pool; its clock is the arbiter of leases. */
export class PostgresStore implements Store {
  readonly dialect = 'postgres' as const;
  readonly description: string;
  readonly migrations: PostgresMigrationDriver;
  private readonly pool: pg.Pool;
  /** Behind a transaction pooler (direct_url set) statements stay unnamed. */
  private readonly prepared: PreparedStatements;
  readonly diagnostics: PostgresStoreDiagnostics;
  private readonly listener: PgListener;
  /** Read replica routing, when one is configured. */
  readonly replica: ReplicaReads | undefined;
  private closed = false;
  private chaos: PostgresChaosFacet | undefined;
  private readonly runs: PgChaosRuns;
  private readonly poolActions = new PgPoolActions((sql, params) => this.query(sql, params));
  /** PoolStore: drains and moves (pool-actions.ts). */
  readonly setNodeDrain = this.poolActions.setNodeDrain.bind(this.poolActions);
  readonly nodeDrain = this.poolActions.nodeDrain.bind(this.poolActions);
  readonly requestMove = this.poolActions.requestMove.bind(this.poolActions);
  readonly listMoveRequested = this.poolActions.listMoveRequested.bind(this.poolActions);
  readonly releaseMovedRun = this.poolActions.releaseMovedRun.bind(this.poolActions);

  constructor(private readonly options: PostgresStoreOptions) {
    this.description = redact(options.url);
    this.prepared = new PreparedStatements(HOT_STATEMENTS, !options.directUrl);
    const client: pg.ClientConfig = {
      connectionString: options.url,
      application_name: options.applicationName,
      connectionTimeoutMillis: options.connectTimeoutMs,
      statement_timeout: options.statementTimeoutMs,
      keepAlive: true,
    };
    this.pool = new (loadPg().Pool)({
      ...client,
      max: options.poolMax,
      idleTimeoutMillis: options.idleTimeoutMs,
    });
    // An idle client losing its server must not crash the daemon; the next query reconnects.
    this.pool.on('error', (error) => options.onPoolError?.(error));
    this.migrations = new PostgresMigrationDriver(this.pool, this.description);
    this.runs = new PgChaosRuns(this.pool);
    // LISTEN needs a session of its own: through a transaction pooler it must go to the server.
    this.listener = new PgListener({
      client: options.directUrl ? { ...client, connectionString: options.directUrl } : client,
      channel: NOTIFY_CHANNEL,
    });
    const { connectionString: _, ...shared } = client;
    this.replica = options.readReplicaUrl
      ? new ReplicaReads({
          url: options.readReplicaUrl,
          client: shared,
          poolMax: options.poolMax,
          idleTimeoutMs: options.idleTimeoutMs,
          maxLagMs: options.replicaMaxLagMs ?? 10_000,
        })
      : undefined;
    this.diagnostics = new PostgresStoreDiagnostics(
      this.pool,
      options.url,
      this.description,
      () => this.ping(),
      { replica: this.replica, replicaUrl: options.readReplicaUrl, directUrl: options.directUrl },
    );
  }

  /** A read-only query: on the replica when it is usable, else on the primary. */
  private async read(sql: string, params: unknown[] = []): Promise<Record<string, unknown>[]> {
    return (await this.replica?.read(sql, params)) ?? this.query(sql, params);
  }

  private async query(
    sql: string,
    params: unknown[] = [],
    retried = false,
  ): Promise<Record<string, unknown>[]> {
    try {
      return (await this.pool.query(this.prepared.config(sql, params))).rows;
    } catch (cause) {
      if (!retried && this.prepared.retryable(cause, sql)) return this.query(sql, params, true);
      const error = cause as Error & { code?: string };
      if (error.code === '23505') throw new AidosError('conflict', error.message, { cause });
      throw new AidosError('store', `PostgreSQL: ${error.message}`, { cause });
    }
  }

  async ping(): Promise<number> {
    const start = performance.now();
    await this.query(SQL.ping);
    return performance.now() - start;
  }

  /** Chaos fault operations on this database (sessions of their own, opened on first use). */
  chaosFaults(): PostgresChaosFacet {
    this.chaos ??= new PostgresChaosFacet({
      url: this.options.url,
      connectTimeoutMs: this.options.connectTimeoutMs,
    });
    return this.chaos;
  }

  startChaosRun(run: Omit<ChaosRunRow, 'state' | 'finished_at'>) {
    return this.runs.start(run);
  }

  finishChaosRun(id: string, state: string, finishedAt: number, report: Record<string, unknown>) {
    return this.runs.finish(id, state, finishedAt, report);
  }

  getChaosRun(id: string) {
    return this.runs.get(id);
  }

  listChaosRuns(limit: number) {
    return this.runs.list(limit);
  }

  failStaleChaosRuns(nodeId: string, at: number) {
    return this.runs.failStale(nodeId, at);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.chaos?.close();
    await this.listener.close();
    await this.replica?.close();
    await this.pool.end();
  }

  onTaskQueued(listener: () => void): () => void {
    return this.listener.on(listener);
  }

  async registerNode(
    node: Omit<NodeRecord, 'heartbeat_at' | 'status' | 'started_at'> & { started_at?: number },
  ): Promise<void> {
    await this.query(SQL.upsertNode, [
      node.id,
      node.address,
      JSON.stringify(node.roles),
      node.version,
      node.started_at ?? null,
      JSON.stringify(node.meta),
    ]);
  }

  async heartbeatNode(id: string, status?: NodeRecord['status']): Promise<void> {
    await this.query(SQL.heartbeatNode, [id, status ?? null]);
  }

  async listNodes(): Promise<NodeRecord[]> {
    return (await this.query(SQL.listNodes)).map(toNode);
  }

  async storeIdentity(): Promise<string> {
    const row = (await this.query(SQL.storeIdentity))[0] as { id: string } | undefined;
    if (!row) throw new AidosError('store', 'store_identity is empty: the store was not migrated by aidos');
    return row.id;
  }

  async submitTask(input: NewTask): Promise<{ task: Task; created: boolean }> {
    const rows = await this.query(SQL.insertTask, [
      input.id,
      input.idempotency_key ?? null,
      input.profile,
      input.message,
      input.priority,
      input.max_attempts,
      input.timeout_ms,
      JSON.stringify(input.labels),
      input.run_after ?? null,
      input.node_id ?? null,
      input.pin_node ?? null,
      JSON.stringify(input.require ?? {}),
    ]);
    if (rows[0]) return { task: toTask(rows[0]), created: true };
    const existing = await this.query(SQL.taskByKey, [input.idempotency_key ?? null]);
    if (!existing[0]) throw new AidosError('conflict', `task id ${input.id} already exists`, { field: 'id' });
    return { task: toTask(existing[0]), created: false };
  }

  async getTask(id: string): Promise<Task | undefined> {
    const rows = await this.query(SQL.taskById, [id]);
    return rows[0] ? toTask(rows[0]) : undefined;
  }

  async listTasks(query: TaskQuery): Promise<Task[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.states?.length) {
      params.push(query.states);
      where.push(`state = ANY($${params.length})`);
    }
    if (query.label) {
      params.push(JSON.stringify({ [query.label.key]: query.label.value }));
      where.push(`labels @> $${params.length}::jsonb`);
    }
    if (query.before_id) {
      params.push(query.before_id);
      where.push(`id < $${params.length}`);
    }
    params.push(query.limit);
    const sql = `SELECT ${LIST_COLUMNS} FROM tasks ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT $${params.length}`;
    return (await this.read(sql, params)).map(toTask);
  }

  async countTasksByState(): Promise<Record<TaskState, number>> {
    return toStateCounts(await this.read(SQL.countByState));
  }

  async oldestQueuedAgeMs(): Promise<number> {
    const rows = await this.query(SQL.oldestQueued);
    return Math.max(0, Math.round(Number(rows[0]?.age ?? 0)));
  }

  async listTaskEvents(taskId: string): Promise<TaskEvent[]> {
    return (await this.read(SQL.eventsOfTask, [taskId])).map(toTaskEvent);
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
    return (
      await this.query(SQL.claim, [
        nodeId,
        limit,
        leaseMs,
        profiles ?? null,
        JSON.stringify(labels),
        placedOnly,
      ])
    ).map(toTask);
  }

  async renewLeases(
    nodeId: string,
    runs: { id: string; fence: number }[],
    leaseMs: number,
  ): Promise<string[]> {
    if (runs.length === 0) return [];
    const rows = await this.query(SQL.renew, [
      nodeId,
      leaseMs,
      runs.map((r) => r.id),
      runs.map((r) => r.fence),
    ]);
    return rows.map((r) => String(r.id));
  }

  async completeRun(c: RunCompletion): Promise<boolean> {
    const detail = { ...c.detail, ...(c.error ? { error: c.error } : {}) };
    const rows = await this.query(SQL.complete, [
      c.id,
      c.fence,
      c.next,
      c.retry_delay_ms ?? 0,
      c.result === undefined ? null : JSON.stringify(c.result),
      c.error ?? null,
      c.event,
      c.node_id,
      JSON.stringify(detail),
      c.refund_attempt ? 1 : 0,
    ]);
    if (rows.length === 0) {
      await this.query(SQL.insertEvent, [
        c.id,
        'completion_refused',
        c.node_id,
        JSON.stringify({ stale_fence: c.fence, wanted: c.next }),
      ]);
      return false;
    }
    return true;
  }

  async listCancelRequested(nodeId: string): Promise<string[]> {
    return (await this.query(SQL.cancelRequested, [nodeId])).map((r) => String(r.id));
  }

  completeRuns(completions: RunCompletion[]): Promise<(Task | undefined)[]> {
    return completeRuns((sql, params) => this.query(sql, params), completions);
  }

  async appendTaskEvents(events: TaskEventInput[]): Promise<void> {
    if (events.length === 0) return;
    await this.query(SQL.insertEvents, [
      events.map((e) => e.task_id),
      events.map((e) => e.kind),
      events.map((e) => e.node_id),
      events.map((e) => JSON.stringify(e.detail)),
    ]);
  }

  async appendTaskEvent(
    taskId: string,
    kind: string,
    nodeId: string | null,
    detail: Record<string, unknown> = {},
  ): Promise<void> {
    await this.query(SQL.insertEvent, [taskId, kind, nodeId, JSON.stringify(detail)]);
  }

  async requestCancel(id: string, nodeId: string | null, reason: string): Promise<Task | undefined> {
    const cancelled = await this.query(SQL.cancelQueued, [id, reason]);
    if (cancelled[0]) {
      await this.appendTaskEvent(id, 'cancelled', nodeId, { reason });
      return toTask(cancelled[0]);
    }
    const flagged = await this.query(SQL.flagCancel, [id]);
    if (flagged[0]) {
      await this.appendTaskEvent(id, 'cancel_requested', nodeId, { reason });
      return toTask(flagged[0]);
    }
    return this.getTask(id);
  }

  async retryTask(id: string, nodeId: string | null): Promise<Task | undefined> {
    const rows = await this.query(SQL.retry, [id]);
    if (rows[0]) {
      await this.appendTaskEvent(id, 'retried', nodeId, {});
      return toTask(rows[0]);
    }
    return this.getTask(id);
  }

  async requeueNodeRuns(nodeId: string, reason: string): Promise<Task[]> {
    return (await this.query(SQL.requeue, [nodeId, reason])).map(toTask);
  }

  async failoverNodeRuns(deadNode: string, staleMs: number, byNode: string): Promise<Task[]> {
    return (await this.query(SQL.failover, [deadNode, staleMs, byNode])).map(toTask);
  }

  async requeueExpiredLeases(reason: string): Promise<Task[]> {
    return (await this.query(SQL.requeue, [null, reason])).map(toTask);
  }

  async pruneFinishedTasks(finishedBefore: number): Promise<number> {
    const result = await this.pool.query(SQL.pruneTasks, [finishedBefore]).catch((cause: Error) => {
      throw new AidosError('store', `PostgreSQL: ${cause.message}`, { cause });
    });
    return result.rowCount ?? 0;
  }

  async insertHealthResults(rows: HealthResultRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.query(SQL.insertHealth, [
      rows.map((r) => r.node_id),
      rows.map((r) => r.check_name),
      rows.map((r) => r.status),
      rows.map((r) => r.observed_value),
      rows.map((r) => r.observed_unit),
      rows.map((r) => r.output),
      rows.map((r) => r.duration_ms),
      rows.map((r) => r.at),
    ]);
  }

  async listHealthResults(query: {
    node_id?: string;
    check_name?: string;
    limit: number;
  }): Promise<HealthResultRow[]> {
    const rows = await this.read(
      `SELECT * FROM health_results WHERE ($1::text IS NULL OR node_id = $1) AND ($2::text IS NULL OR check_name = $2)
       ORDER BY at DESC, id DESC LIMIT $3`,
      [query.node_id ?? null, query.check_name ?? null, query.limit],
    );
    return rows.map(toHealthResult);
  }

  async pruneHealthResults(before: number): Promise<number> {
    const result = await this.pool.query(SQL.pruneHealth, [before]).catch((cause: Error) => {
      throw new AidosError('store', `PostgreSQL: ${cause.message}`, { cause });
    });
    return result.rowCount ?? 0;
  }
}
