import type pg from 'pg';
import { AidosError } from '../../errors.js';
import { loadPg } from '../drivers.js';
import type {
  PoolFigures,
  PostgresDiagnostics,
  PostgresProbe,
  ReplicationLag,
  SessionAge,
} from '../facets.js';

// Read-only diagnostics for health checks and metrics. Scoped to the current database where the
// figure is per database, so another application sharing the server does not trip our checks.
const SQL = {
  connections: `SELECT (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend')::int AS used,
    current_setting('max_connections')::int AS max,
    current_setting('superuser_reserved_connections')::int AS reserved`,
  longestQuery: `SELECT pid, EXTRACT(EPOCH FROM clock_timestamp() - query_start) * 1000 AS ms, left(query, 160) AS query
    FROM pg_stat_activity
    WHERE state = 'active' AND pid <> pg_backend_pid() AND datname = current_database()
      AND backend_type = 'client backend' AND query_start IS NOT NULL
    ORDER BY query_start LIMIT 1`,
  longestTransaction: `SELECT pid, state, EXTRACT(EPOCH FROM clock_timestamp() - xact_start) * 1000 AS ms, left(query, 160) AS query
    FROM pg_stat_activity
    WHERE xact_start IS NOT NULL AND pid <> pg_backend_pid() AND datname = current_database()
      AND backend_type = 'client backend'
    ORDER BY xact_start LIMIT 1`,
  blocked: `SELECT count(*)::int AS n,
    COALESCE(max(EXTRACT(EPOCH FROM clock_timestamp() - query_start)) * 1000, 0) AS longest_ms,
    (array_agg(pid ORDER BY query_start))[1] AS first_pid,
    (array_agg(pg_blocking_pids(pid)::text ORDER BY query_start))[1] AS first_blockers
    FROM pg_stat_activity
    WHERE datname = current_database() AND cardinality(pg_blocking_pids(pid)) > 0`,
  deadlocks: 'SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()',
  inRecovery: 'SELECT pg_is_in_recovery() AS replica',
  primaryLag: `SELECT count(*)::int AS replicas,
    COALESCE(max(EXTRACT(EPOCH FROM replay_lag)) * 1000, 0) AS lag_ms,
    COALESCE(max(pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)), 0)::bigint AS lag_bytes
    FROM pg_stat_replication`,
  // An idle primary sends no transactions, so the replay timestamp ages although nothing is
  // missing: when everything received is replayed the lag is 0.
  replicaLag: `SELECT CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
    ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) * 1000, 0) END AS lag_ms`,
} as const;

/** Options of the diagnostics connection. */
export interface DiagnosticsPoolOptions {
  /** postgres:// URL. */
  url: string;
  /** Shown in pg_stat_activity. */
  applicationName: string;
  /** Connect, statement and client-side query limit. */
  timeoutMs: number;
}

/**
 * A one-connection pool of its own, so diagnostics still answer when the daemon's pool is
 * exhausted, and can never take a connection the daemon's work needs.
 */
export function openDiagnosticsPool(options: DiagnosticsPoolOptions): pg.Pool {
  const pool = new (loadPg().Pool)({
    connectionString: options.url,
    application_name: options.applicationName,
    connectionTimeoutMillis: options.timeoutMs,
    statement_timeout: options.timeoutMs,
    query_timeout: options.timeoutMs,
    idleTimeoutMillis: 120_000,
    max: 1,
  });
  pool.on('error', () => {});
  return pool;
}

async function one(pool: pg.Pool, sql: string): Promise<Record<string, unknown>> {
  try {
    const rows = (await pool.query(sql)).rows as Record<string, unknown>[];
    return rows[0] ?? {};
  } catch (cause) {
    throw new AidosError('store', `PostgreSQL: ${(cause as Error).message}`, { cause });
  }
}

export function poolFigures(pool: pg.Pool): PoolFigures {
  return {
    total: pool.totalCount,
    idle: pool.idleCount,
    waiting: pool.waitingCount,
    max: (pool.options as { max?: number }).max ?? 10,
  };
}

/** Server-wide client connections against max_connections. */
export async function connectionUsage(
  pool: pg.Pool,
): Promise<{ used: number; max: number; reserved: number }> {
  const row = await one(pool, SQL.connections);
  return { used: Number(row.used), max: Number(row.max), reserved: Number(row.reserved) };
}

function session(row: Record<string, unknown>): SessionAge | null {
  if (row.pid === undefined) return null;
  return {
    pid: Number(row.pid),
    ms: Number(row.ms),
    query: String(row.query ?? ''),
    ...(row.state ? { state: String(row.state) } : {}),
  };
}

/** The active query of this database that has run longest (other than ours). */
export async function longestQuery(pool: pg.Pool): Promise<SessionAge | null> {
  return session(await one(pool, SQL.longestQuery));
}

/** The open transaction of this database that has been open longest (idle in transaction included). */
export async function longestTransaction(pool: pg.Pool): Promise<SessionAge | null> {
  return session(await one(pool, SQL.longestTransaction));
}

/** Sessions of this database waiting on a lock another session holds. */
export async function blockedSessions(
  pool: pg.Pool,
): Promise<{ count: number; longestMs: number; example: string | null }> {
  const row = await one(pool, SQL.blocked);
  const count = Number(row.n ?? 0);
  return {
    count,
    longestMs: Number(row.longest_ms ?? 0),
    example: count > 0 ? `pid ${row.first_pid} blocked by ${row.first_blockers}` : null,
  };
}

/** Cumulative deadlocks of this database since its statistics were reset. */
export async function deadlockCount(pool: pg.Pool): Promise<number> {
  return Number((await one(pool, SQL.deadlocks)).deadlocks ?? 0);
}

export async function replicationLag(pool: pg.Pool): Promise<ReplicationLag> {
  const replica = (await one(pool, SQL.inRecovery)).replica === true;
  if (replica) {
    const row = await one(pool, SQL.replicaLag);
    return { role: 'replica', replicas: 0, lagMs: Number(row.lag_ms ?? 0), lagBytes: null };
  }
  const row = await one(pool, SQL.primaryLag);
  return {
    role: 'primary',
    replicas: Number(row.replicas ?? 0),
    lagMs: Number(row.lag_ms ?? 0),
    lagBytes: Number(row.lag_bytes ?? 0),
  };
}

/** A probe on a one-connection pool of its own. */
function openProbe(options: DiagnosticsPoolOptions): PostgresProbe {
  const pool = openDiagnosticsPool(options);
  let ended: Promise<void> | undefined;
  return {
    connectionUsage: () => connectionUsage(pool),
    longestQuery: () => longestQuery(pool),
    longestTransaction: () => longestTransaction(pool),
    blockedSessions: () => blockedSessions(pool),
    deadlockCount: () => deadlockCount(pool),
    replicationLag: () => replicationLag(pool),
    close: () => {
      ended ??= pool.end();
      return ended;
    },
  };
}

/** The PostgreSQL diagnostics facet over the daemon's pool. */
export class PostgresStoreDiagnostics implements PostgresDiagnostics {
  readonly dialect = 'postgres' as const;

  constructor(
    private readonly pool: pg.Pool,
    private readonly url: string,
    readonly description: string,
    private readonly pingStore: () => Promise<number>,
  ) {}

  ping(): Promise<number> {
    return this.pingStore();
  }

  poolFigures(): PoolFigures {
    return poolFigures(this.pool);
  }

  openProbe(options: { applicationName: string; timeoutMs: number; url?: string }): PostgresProbe {
    return openProbe({
      url: options.url ?? this.url,
      applicationName: options.applicationName,
      timeoutMs: options.timeoutMs,
    });
  }
}
