import { statSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { AidosError } from '../../errors.js';
import type { SqliteDiagnostics } from '../facets.js';

/**
 * PRAGMA quick_check: the problems it finds (empty when the file is sound). It reads the whole
 * file on the calling thread, so health runs it on a slow schedule.
 */
export function quickCheck(db: Database.Database, maxErrors = 10): string[] {
  try {
    const rows = db.pragma(`quick_check(${Math.max(1, Math.floor(maxErrors))})`) as { quick_check: string }[];
    return rows.map((r) => r.quick_check).filter((line) => line !== 'ok');
  } catch (cause) {
    throw new AidosError('store', `SQLite quick_check: ${(cause as Error).message}`, { cause });
  }
}

/** Size of the write-ahead log file in bytes (0 when it does not exist, e.g. after a clean close). */
export function walSizeBytes(db: Database.Database): number {
  if (db.memory) return 0;
  try {
    return statSync(`${db.name}-wal`).size;
  } catch {
    return 0;
  }
}

/** Size of the main database file in bytes. */
export function databaseSizeBytes(db: Database.Database): number {
  if (db.memory) return 0;
  try {
    return statSync(db.name).size;
  } catch {
    return 0;
  }
}

/** The SQLite diagnostics facet over one open database. */
export class SqliteStoreDiagnostics implements SqliteDiagnostics {
  readonly dialect = 'sqlite' as const;

  constructor(
    private readonly db: Database.Database,
    readonly description: string,
    private readonly pingStore: () => Promise<number>,
  ) {}

  get fileName(): string {
    return this.db.name;
  }

  ping(): Promise<number> {
    return this.pingStore();
  }

  quickCheck(maxErrors?: number): string[] {
    return quickCheck(this.db, maxErrors);
  }

  walSizeBytes(): number {
    return walSizeBytes(this.db);
  }

  databaseSizeBytes(): number {
    return databaseSizeBytes(this.db);
  }

  poolFigures(): undefined {
    return undefined;
  }
}
