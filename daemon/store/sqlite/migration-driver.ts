import type Database from 'better-sqlite3';
import { HISTORY_TABLE, insertHistorySql, toAppliedMigration } from '../migrate/runner.js';
import type { MigrationDriver, MigrationTx } from '../types.js';

/**
 * SQLite has no advisory locks; BEGIN IMMEDIATE takes the database write lock, so a second
 * migrator waits (busy_timeout) until the first commits, then sees its history row.
 */
export class SqliteMigrationDriver implements MigrationDriver {
  readonly dialect = 'sqlite' as const;

  constructor(private readonly db: Database.Database) {}

  async locked<T>(fn: (tx: MigrationTx) => Promise<T>): Promise<T> {
    const db = this.db;
    const tx: MigrationTx = {
      exec: async (sql) => {
        db.exec(sql);
      },
      applied: async () =>
        (
          db.prepare(`SELECT * FROM ${HISTORY_TABLE} ORDER BY version`).all() as Record<string, unknown>[]
        ).map(toAppliedMigration),
      record: async (row) => {
        db.prepare(insertHistorySql(['@version', '@name', '@checksum', '@applied_at', '@duration_ms'])).run(
          row,
        );
      },
    };
    db.exec('BEGIN IMMEDIATE');
    try {
      const result = await fn(tx);
      db.exec('COMMIT');
      return result;
    } catch (error) {
      if (db.inTransaction) db.exec('ROLLBACK');
      throw error;
    }
  }
}
