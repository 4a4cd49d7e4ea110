import type pg from 'pg';
import { AidosError } from '../../errors.js';
import { loadPg } from '../drivers.js';
import type { PgReplicaControl, PgReplicaStatus } from '../facets.js';

// pg_is_wal_replay_paused() raises on a server not in recovery: asked only of a standby.
const SQL = {
  pause: 'SELECT pg_wal_replay_pause()',
  resume: 'SELECT pg_wal_replay_resume()',
  status: `SELECT pg_is_in_recovery() AS in_recovery,
    CASE WHEN pg_is_in_recovery() THEN pg_is_wal_replay_paused() ELSE false END AS paused,
    CASE WHEN pg_is_in_recovery()
      THEN GREATEST(COALESCE(pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn()), 0), 0)
      ELSE 0 END::bigint AS behind`,
} as const;

/** The replica fault's statements, each in a short session named `aidos-chaos:replica`. */
export class PostgresReplicaControl implements PgReplicaControl {
  constructor(
    private readonly url: string,
    private readonly connectTimeoutMs: number,
  ) {}

  private async query(what: string, sql: string): Promise<Record<string, unknown> | undefined> {
    const client: pg.Client = new (loadPg().Client)({
      connectionString: this.url,
      application_name: 'aidos-chaos:replica',
      connectionTimeoutMillis: this.connectTimeoutMs,
    });
    client.on('error', () => {});
    try {
      await client.connect();
      return (await client.query(sql)).rows[0];
    } catch (cause) {
      throw new AidosError('store', `chaos replica ${what}: ${(cause as Error).message}`, { cause });
    } finally {
      await client.end().catch(() => {});
    }
  }

  async pauseReplay(): Promise<void> {
    await this.query('pause', SQL.pause);
  }

  async resumeReplay(): Promise<void> {
    await this.query('resume', SQL.resume);
  }

  async status(): Promise<PgReplicaStatus> {
    const row = (await this.query('status', SQL.status)) ?? {};
    return {
      inRecovery: row.in_recovery === true,
      replayPaused: row.paused === true,
      behindBytes: Number(row.behind ?? 0),
    };
  }
}
