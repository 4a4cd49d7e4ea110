import type pg from 'pg';
import { loadPg } from '../drivers.js';
import type { ReplicationLag } from '../facets.js';

/** Options of the read-replica pool. */
export interface ReplicaOptions {
  /** postgres:// URL of the replica. */
  url: string;
  /** Connection settings shared with the primary pool (timeouts, application name). */
  client: Omit<pg.ClientConfig, 'connectionString'>;
  /** Most connections to the replica. */
  poolMax: number;
  /** Idle connection timeout. */
  idleTimeoutMs: number;
  /** Reads go back to the primary while the replica's last measured lag is above this. */
  maxLagMs: number;
  /** After a failed read, how long the replica is left alone before it is tried again. */
  retryAfterMs?: number;
  /** Clock (tests). */
  now?: () => number;
}

/** Why reads go where they go, for logs and health. */
export interface ReplicaState {
  /** Where read-only queries go now. */
  reads: 'replica' | 'primary';
  /** Last measured replay lag (ms), null before the first measurement. */
  lag_ms: number | null;
  /** Why reads are on the primary, when they are. */
  reason: string | null;
}

/**
 * Routes read-only queries to the replica while it answers and its replay lag (as measured by
 * the health check `postgres:replica-lag`, which feeds `noteLag`) stays under the limit; any
 * failure sends reads to the primary at once, and the replica is tried again a little later.
 */
export class ReplicaReads {
  readonly pool: pg.Pool;
  private lagMs: number | null = null;
  private downUntil = 0;
  private downReason: string | null = null;
  private readonly now: () => number;

  constructor(private readonly options: ReplicaOptions) {
    this.now = options.now ?? Date.now;
    this.pool = new (loadPg().Pool)({
      ...options.client,
      connectionString: options.url,
      max: options.poolMax,
      idleTimeoutMillis: options.idleTimeoutMs,
    });
    // A replica going away must not crash the daemon; reads fall back and the pool reconnects.
    this.pool.on('error', (error) => this.noteDown(error));
  }

  state(): ReplicaState {
    if (this.now() < this.downUntil)
      return { reads: 'primary', lag_ms: this.lagMs, reason: `replica unavailable: ${this.downReason}` };
    if (this.lagMs !== null && this.lagMs > this.options.maxLagMs)
      return {
        reads: 'primary',
        lag_ms: this.lagMs,
        reason: `replica ${Math.round(this.lagMs)} ms behind (limit ${this.options.maxLagMs} ms)`,
      };
    return { reads: 'replica', lag_ms: this.lagMs, reason: null };
  }

  /** A lag measurement of the replica (from the lag check). */
  noteLag(lag: ReplicationLag): void {
    this.lagMs = lag.lagMs;
  }

  /** The replica failed a query or a probe. */
  noteDown(error: Error): void {
    this.downReason = error.message;
    this.downUntil = this.now() + (this.options.retryAfterMs ?? 5_000);
  }

  /** Runs a read on the replica when it is usable; undefined means "ask the primary". */
  async read(sql: string, params: unknown[]): Promise<Record<string, unknown>[] | undefined> {
    if (this.state().reads !== 'replica') return undefined;
    try {
      return (await this.pool.query(sql, params)).rows;
    } catch (error) {
      this.noteDown(error as Error);
      return undefined;
    }
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}
