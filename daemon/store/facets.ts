import type {
  HealthResultRow,
  MigrationDriver,
  MovedRunRelease,
  MoveRequest,
  NewTask,
  NodeDrain,
  NodeRecord,
  RunCompletion,
  Task,
  TaskEvent,
  TaskEventInput,
  TaskQuery,
  TaskState,
} from './types.js';

/** pg.Pool counters (no round trip). */
export interface PoolFigures {
  /** Open connections. */
  total: number;
  /** Open and unused. */
  idle: number;
  /** Callers queued for a connection. */
  waiting: number;
  /** Configured maximum. */
  max: number;
}

/** One session seen in pg_stat_activity. */
export interface SessionAge {
  /** Backend pid. */
  pid: number;
  /** How long (query or transaction). */
  ms: number;
  /** The start of its query text. */
  query: string;
  /** Its state (active, idle in transaction…). */
  state?: string;
}

/** Replication lag: on a primary the worst replica, on a replica its own replay lag. */
export interface ReplicationLag {
  /** Which side this server is. */
  role: 'primary' | 'replica';
  /** Replicas streaming from it (primary only). */
  replicas: number;
  /** Lag in ms. */
  lagMs: number;
  /** Lag in bytes of WAL (primary only). */
  lagBytes: number | null;
}

/**
 * Store facets: what each module may ask of the store. A module gets only the facets it needs
 * (through the DaemonContext), and a facet is where chaos wraps the store to add latency or errors.
 * Both implementations (SQLite, PostgreSQL) provide every facet; one contract suite runs on both.
 */

/** Tasks, their events, claims, leases and completions (the tasks module). */
export interface TaskStore {
  /** Calls back when a task may have become claimable (PostgreSQL NOTIFY or in-process). */
  onTaskQueued(listener: () => void): () => void;
  /** Accepts a task; with an idempotency key already used, returns the existing one with created=false. */
  submitTask(task: NewTask): Promise<{ task: Task; created: boolean }>;
  /** One task, or undefined. */
  getTask(id: string): Promise<Task | undefined>;
  /** Tasks matching a filter, newest first. */
  listTasks(query: TaskQuery): Promise<Task[]>;
  /** Number of tasks in each state. */
  countTasksByState(): Promise<Record<TaskState, number>>;
  /** Age in ms of the oldest claimable queued task (0 when none). */
  oldestQueuedAgeMs(): Promise<number>;
  /** History of one task, oldest first. */
  listTaskEvents(taskId: string): Promise<TaskEvent[]>;
  /**
   * Claims up to `limit` due queued tasks for a node: running, attempt+1, new fence, lease. Only
   * tasks the node may take: not pinned elsewhere, every required label among the node's `labels`.
   * `placedOnly`: only tasks pinned to this node or requiring labels (what a held-back node still takes).
   */
  claimTasks(
    nodeId: string,
    limit: number,
    leaseMs: number,
    profiles?: string[],
    labels?: Record<string, string>,
    placedOnly?: boolean,
  ): Promise<Task[]>;
  /** Extends the leases a node still holds; returns the ids it still owns (fence matches, running). */
  renewLeases(nodeId: string, runs: { id: string; fence: number }[], leaseMs: number): Promise<string[]>;
  /** Records a run's end if the fence still matches; false = refused (stale or not running). */
  completeRun(completion: RunCompletion): Promise<boolean>;
  /**
   * Several `completeRun`s in one round trip (the worker batches what finishes together); per
   * completion, in order, the task after it, or undefined where the fence was refused.
   */
  completeRuns(completions: RunCompletion[]): Promise<(Task | undefined)[]>;
  /** Several `appendTaskEvent`s in one round trip. */
  appendTaskEvents(events: TaskEventInput[]): Promise<void>;
  /** Running tasks of a node whose cancel was asked for (by any node). */
  listCancelRequested(nodeId: string): Promise<string[]>;
  /** Logs an event on a running task without changing state (e.g. started with pid). */
  appendTaskEvent(
    taskId: string,
    kind: string,
    nodeId: string | null,
    detail?: Record<string, unknown>,
  ): Promise<void>;
  /** Cancels a queued task at once, flags a running one; returns the task after, or undefined. */
  requestCancel(id: string, nodeId: string | null, reason: string): Promise<Task | undefined>;
  /** Puts a failed, dead or cancelled task back in the queue with a fresh attempt budget. */
  retryTask(id: string, nodeId: string | null): Promise<Task | undefined>;
  /** Running tasks held by a node go back to the queue (or dead when out of attempts). */
  requeueNodeRuns(nodeId: string, reason: string): Promise<Task[]>;
  /**
   * Failover of a dead node: in one conditional statement, its running tasks with a live lease go
   * back to the queue (or dead when out of attempts) with the fence bumped, but only while its
   * heartbeat row is older than `staleMs`. Safe when several survivors call it at once: each task
   * moves once. Logs `requeued` (or `dead`) with reason `node_dead`, by `byNode`.
   */
  failoverNodeRuns(deadNode: string, staleMs: number, byNode: string): Promise<Task[]>;
  /** Running tasks whose lease lapsed go back to the queue (or dead when out of attempts). */
  requeueExpiredLeases(reason: string): Promise<Task[]>;
  /** Deletes final tasks (and their events) that finished before the cutoff; returns how many. */
  pruneFinishedTasks(finishedBefore: number): Promise<number>;
}

/** The durable node rows (heartbeats); the runtime registers this node, the cluster reads them. */
export interface NodeStore {
  /** Inserts or refreshes this node's row and marks it up. */
  registerNode(
    node: Omit<NodeRecord, 'heartbeat_at' | 'status' | 'started_at'> & { started_at?: number },
  ): Promise<void>;
  /** Bumps heartbeat_at (and status) for a node. */
  heartbeatNode(id: string, status?: NodeRecord['status']): Promise<void>;
  /** Every node the store knows. */
  listNodes(): Promise<NodeRecord[]>;
  /** The random id written in this store at its first migration (cluster peers must share it). */
  storeIdentity(): Promise<string>;
}

/** The outcome of a move request (`aidos task move`). */
export type MoveOutcome =
  /** Queued: now pinned to the target (event `moved`). */
  | { task: Task; outcome: 'retargeted' }
  /** Running: flagged for its owner to stop and release to the target (event `move_requested`). */
  | { task: Task; outcome: 'moving' }
  /** Neither queued nor running (or running on the target already): nothing changed. */
  | { task: Task; outcome: 'refused' };

/**
 * Drains and moves of the agent pool (issue 11). They live in the store so that the node that owns
 * the agents acts on them (it reads them on its renewal tick) and a drain survives its restart.
 */
export interface PoolStore {
  /** Sets (or with null clears) a node's drain, `deadline_ms` from now by the store's clock; false when no such node row exists. */
  setNodeDrain(id: string, drain: { deadline_ms: number; move: boolean } | null): Promise<boolean>;
  /** A node's stored drain, or undefined when it is not drained. */
  nodeDrain(id: string): Promise<NodeDrain | undefined>;
  /** Retargets a queued task or flags a running one to move to `node`; undefined when the task does not exist. */
  requestMove(id: string, node: string, byNode: string | null): Promise<MoveOutcome | undefined>;
  /** Running tasks of a node whose move was asked for. */
  listMoveRequested(nodeId: string): Promise<MoveRequest[]>;
  /**
   * Releases a run its owner stopped to move it, if the fence still matches: queued again at once,
   * the attempt not counted, pinned to the requested target when there is one (event `moved`).
   */
  releaseMovedRun(c: MovedRunRelease): Promise<Task | undefined>;
}

/** Health history rows (the health module). */
export interface HealthStore {
  /** Appends health results. */
  insertHealthResults(rows: HealthResultRow[]): Promise<void>;
  /** Recent health results, newest first. */
  listHealthResults(query: {
    node_id?: string;
    check_name?: string;
    limit: number;
  }): Promise<HealthResultRow[]>;
  /** Deletes health results older than the cutoff; returns how many. */
  pruneHealthResults(before: number): Promise<number>;
}

/** Handle on something a PostgreSQL fault holds (connections, a lock) until released. */
export interface PgHold {
  /** Backend pids of the held sessions, to check from outside that they are gone. */
  pids: number[];
  /** Ends the sessions; idempotent. */
  release(): Promise<void>;
}

/** The PostgreSQL operations chaos faults need, each in sessions of their own (never the daemon's pool). */
export interface PgChaosFacet {
  /** Opens `n` sessions of its own and keeps each idle in a transaction (fewer when the server is full). */
  holdConnections(n: number): Promise<PgHold>;
  /** Takes a lock that makes writes to `table` wait, in a session of its own. */
  lockTableWrites(table: string): Promise<PgHold>;
  /** pg_terminate_backend on every session whose application_name is `application`; returns how many. */
  terminateBackends(application: string): Promise<number>;
  /** How many of these backend pids still exist. */
  countBackends(pids: number[]): Promise<number>;
  /** The read replica at `url` as chaos acts on it (a role allowed pg_wal_replay_pause). */
  replicaControl(url: string): PgReplicaControl;
  /** Closes its own admin connection. */
  close(): Promise<void>;
}

/** What a read replica says about its replay, as chaos checks it from outside the daemon. */
export interface PgReplicaStatus {
  /** pg_is_in_recovery(): it is still a standby. */
  inRecovery: boolean;
  /** pg_is_wal_replay_paused(). */
  replayPaused: boolean;
  /** WAL received but not replayed yet, in bytes. */
  behindBytes: number;
}

/** WAL replay on a read replica, paused and resumed by the replica fault; each call is a session of its own. */
export interface PgReplicaControl {
  /** pg_wal_replay_pause(). */
  pauseReplay(): Promise<void>;
  /** pg_wal_replay_resume(). */
  resumeReplay(): Promise<void>;
  /** Its replay state; throws when it cannot be reached. */
  status(): Promise<PgReplicaStatus>;
}

/** One drill as the chaos_runs table keeps it. */
export interface ChaosRunRow {
  /** Run id (`cr_…`). */
  id: string;
  /** Scenario name. */
  scenario: string;
  /** running, or the verdict (passed, failed, aborted, not_steady, dry_run, error). */
  state: string;
  /** Node that runs (ran) it. */
  node_id: string;
  /** When it started (epoch ms). */
  started_at: number;
  /** When it ended (epoch ms; null while running). */
  finished_at: number | null;
  /** The report (the summary only while running). */
  report: Record<string, unknown>;
}

/** What the chaos module asks of the store. */
export interface ChaosStore {
  /** PostgreSQL fault operations on the cluster database; undefined on SQLite. */
  chaosFaults(): PgChaosFacet | undefined;
  /**
   * Records a new running drill unless another one runs anywhere in the cluster (the store is the
   * lease: one drill at a time); returns the one that runs when refused.
   */
  startChaosRun(
    run: Omit<ChaosRunRow, 'state' | 'finished_at'>,
  ): Promise<{ started: boolean; running?: ChaosRunRow }>;
  /** Ends a drill with its verdict and report. */
  finishChaosRun(
    id: string,
    state: string,
    finishedAt: number,
    report: Record<string, unknown>,
  ): Promise<void>;
  /** One run, or undefined. */
  getChaosRun(id: string): Promise<ChaosRunRow | undefined>;
  /** Newest first. */
  listChaosRuns(limit: number): Promise<ChaosRunRow[]>;
  /** A node that restarts ends its runs left `running` as `error`; returns how many. */
  failStaleChaosRuns(nodeId: string, at: number): Promise<number>;
}

/** The SQLite file, as health and metrics look at it. */
export interface SqliteDiagnostics {
  /** Discriminant. */
  readonly dialect: 'sqlite';
  /** Where the store points, without secrets. */
  readonly description: string;
  /** Path of the database file (check componentId). */
  readonly fileName: string;
  /** Round trip; resolves with the latency in ms or throws. */
  ping(): Promise<number>;
  /** PRAGMA quick_check: the problems found (empty when sound); reads the whole file. */
  quickCheck(maxErrors?: number): string[];
  /** Size of the write-ahead log in bytes. */
  walSizeBytes(): number;
  /** Size of the main database file in bytes. */
  databaseSizeBytes(): number;
  /** Connection figures: SQLite reports none. */
  poolFigures(): PoolFigures | undefined;
}

/** Read-only pg_stat queries on a connection of their own (closed with `close`). */
export interface PostgresProbe {
  /** Server-wide client connections against max_connections. */
  connectionUsage(): Promise<{ used: number; max: number; reserved: number }>;
  /** The active query of this database that has run longest (other than ours). */
  longestQuery(): Promise<SessionAge | null>;
  /** The open transaction of this database that has been open longest. */
  longestTransaction(): Promise<SessionAge | null>;
  /** Sessions waiting on a lock another session holds. */
  blockedSessions(): Promise<{ count: number; longestMs: number; example: string | null }>;
  /** Cumulative deadlocks since statistics were reset. */
  deadlockCount(): Promise<number>;
  /** Replication lag: on a primary the worst replica, on a replica its own replay lag. */
  replicationLag(): Promise<ReplicationLag>;
  /** Ends its connection; idempotent. */
  close(): Promise<void>;
}

/** The PostgreSQL server and the daemon's pool, as health and metrics look at them. */
export interface PostgresDiagnostics {
  /** Discriminant. */
  readonly dialect: 'postgres';
  /** Where the store points, without secrets. */
  readonly description: string;
  /** Round trip through the daemon's own pool (what its work experiences). */
  ping(): Promise<number>;
  /** The daemon's pool counters (no round trip). */
  poolFigures(): PoolFigures;
  /**
   * Opens a one-connection probe of its own, so diagnostics answer when the daemon's pool is
   * exhausted; `url` defaults to the store's (pass the read replica's to probe it).
   */
  openProbe(options: { applicationName: string; timeoutMs: number; url?: string }): PostgresProbe;
  /** A warning when the store URL goes through a connection pooler without `store.direct_url`. */
  poolerWarning(): Promise<string | undefined>;
}

/** What health needs of the pools and the database, per dialect. */
export type StoreDiagnostics = SqliteDiagnostics | PostgresDiagnostics;

/** Every facet of one store, as the host hands them to modules. */
export interface StoreFacets {
  /** Tasks. */
  tasks: TaskStore;
  /** Node rows. */
  nodes: NodeStore;
  /** Health history. */
  health: HealthStore;
  /** Drains and moves. */
  pool: PoolStore;
  /** Chaos runs (empty for now). */
  chaos: ChaosStore;
  /** Pools and database figures. */
  diagnostics: StoreDiagnostics;
}

/**
 * The one store: SQLite and PostgreSQL implement it and share one contract suite. Only the host
 * (runtime) holds it whole; modules get its facets.
 */
export interface Store extends TaskStore, NodeStore, HealthStore, ChaosStore, PoolStore {
  /** Which implementation this is. */
  readonly dialect: 'sqlite' | 'postgres';
  /** Where it points, without secrets (for logs and health). */
  readonly description: string;
  /** The migration driver for this store's database. */
  readonly migrations: MigrationDriver;
  /** Pools and database figures for health and metrics. */
  readonly diagnostics: StoreDiagnostics;
  /** Round trip to the database; resolves with the latency in ms or throws. */
  ping(): Promise<number>;
  /** Closes connections; idempotent. */
  close(): Promise<void>;
}

/** The facets of a store, each the store itself seen through one interface. */
export function storeFacets(store: Store): StoreFacets {
  return {
    tasks: store,
    nodes: store,
    health: store,
    chaos: store,
    pool: store,
    diagnostics: store.diagnostics,
  };
}
