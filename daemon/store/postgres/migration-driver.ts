import type pg from 'pg';
import { AidosError } from '../../errors.js';
import { HISTORY_TABLE, insertHistorySql, toAppliedMigration } from '../migrate/runner.js';
import type { MigrationDriver, MigrationTx } from '../types.js';

/** Arbitrary but fixed: every aidos migrator contends for this transaction-scoped advisory lock. */
const MIGRATION_LOCK_KEY = 7_420_001;

/**
 * Each step is one transaction that first takes pg_advisory_xact_lock, so concurrent daemons queue
 * behind each other (none fails) and the lock is released by COMMIT/ROLLBACK even if a daemon dies.
 * Transaction-scoped locks also work behind PgBouncer in transaction mode, unlike session locks.
 */
export class PostgresMigrationDriver implements MigrationDriver {
  readonly dialect = 'postgres' as const;

  constructor(
    private readonly pool: pg.Pool,
    /** Where the pool points (no secrets), to name the store when it cannot be reached. */
    private readonly description = 'PostgreSQL',
  ) {}

  async locked<T>(fn: (tx: MigrationTx) => Promise<T>): Promise<T> {
    try {
      return await this.lockedOnce(fn);
    } catch (error) {
      if (error instanceof AidosError) throw error;
      // Connection and history-table failures are the store's, not a migration's: exit 69 naming it.
      throw new AidosError('store', `PostgreSQL ${this.description}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  private async lockedOnce<T>(fn: (tx: MigrationTx) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    const tx: MigrationTx = {
      exec: async (sql) => {
        await client.query(sql);
      },
      applied: async () => {
        const { rows } = await client.query(`SELECT * FROM ${HISTORY_TABLE} ORDER BY version`);
        return rows.map(toAppliedMigration);
      },
      record: async (row) => {
        await client.query(insertHistorySql(['$1', '$2', '$3', '$4', '$5']), [
          row.version,
          row.name,
          row.checksum,
          row.applied_at,
          row.duration_ms,
        ]);
      },
    };
    let failed = false;
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
      const result = await fn(tx);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      failed = true;
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release(failed);
    }
  }
}
