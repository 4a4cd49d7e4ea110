import { performance } from 'node:perf_hooks';
import { AidosError } from '../../errors.js';
import type { AppliedMigration, MigrationDriver } from '../types.js';
import { type MigrationFile, readMigrationFiles } from './files.js';

/** One line of `aidos migrate status`. */
export interface MigrationStatus {
  /** Version number. */
  version: number;
  /** Migration name. */
  name: string;
  /** applied, pending, or a problem that stops the runner. */
  state: 'applied' | 'pending' | 'changed' | 'missing_file' | 'out_of_order';
  /** sha-256 of the file (or of what was applied, for a missing file). */
  checksum: string;
  /** When it was applied (epoch ms), if it was. */
  applied_at: number | null;
  /** How long it took, if applied. */
  duration_ms: number | null;
}

export const HISTORY_TABLE = 'aidos_migrations';

/** A history row as either driver returns it. */
export function toAppliedMigration(r: Record<string, unknown>): AppliedMigration {
  return {
    version: Number(r.version),
    name: String(r.name),
    checksum: String(r.checksum),
    applied_at: Number(r.applied_at),
    duration_ms: Number(r.duration_ms),
  };
}

/** Inserts one history row; placeholders in driver syntax. */
export function insertHistorySql(p: [string, string, string, string, string]): string {
  return `INSERT INTO ${HISTORY_TABLE} (version, name, checksum, applied_at, duration_ms) VALUES (${p.join(', ')})`;
}

/** Compares files with history; each problem row carries its state. */
export function compareWithHistory(files: MigrationFile[], applied: AppliedMigration[]): MigrationStatus[] {
  const rows: MigrationStatus[] = [];
  const byVersion = new Map(applied.map((a) => [a.version, a]));
  const highestApplied = applied.reduce((max, a) => Math.max(max, a.version), 0);
  for (const file of files) {
    const done = byVersion.get(file.version);
    byVersion.delete(file.version);
    let state: MigrationStatus['state'] = 'pending';
    if (done) state = done.checksum === file.checksum && done.name === file.name ? 'applied' : 'changed';
    else if (file.version < highestApplied) state = 'out_of_order';
    rows.push({
      version: file.version,
      name: file.name,
      state,
      checksum: file.checksum,
      applied_at: done?.applied_at ?? null,
      duration_ms: done?.duration_ms ?? null,
    });
  }
  for (const orphan of byVersion.values()) {
    rows.push({ ...orphan, state: 'missing_file' });
  }
  return rows.sort((a, b) => a.version - b.version);
}

function fileName(row: MigrationStatus): string {
  return `${String(row.version).padStart(4, '0')}_${row.name}.sql`;
}

/** Throws a migration error naming the first file whose history disagrees with disk. */
export function assertConsistent(rows: MigrationStatus[]): void {
  for (const row of rows) {
    const file = fileName(row);
    if (row.state === 'changed') {
      throw new AidosError(
        'migration',
        `migration ${file}: checksum changed since it was applied; restore the file or add a new migration`,
        { field: file },
      );
    }
    if (row.state === 'missing_file') {
      throw new AidosError(
        'migration',
        `migration ${file}: applied to the database but the file is missing`,
        { field: file },
      );
    }
    if (row.state === 'out_of_order') {
      throw new AidosError(
        'migration',
        `migration ${file}: out of order (a later version is already applied); renumber it after the latest`,
        { field: file },
      );
    }
  }
}

const HISTORY_DDL = `CREATE TABLE IF NOT EXISTS ${HISTORY_TABLE} (
  version INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  checksum TEXT NOT NULL,
  applied_at BIGINT NOT NULL,
  duration_ms DOUBLE PRECISION NOT NULL
)`;

/**
 * Applies migrations one transaction each, every step under the driver's lock, re-reading the
 * history inside the lock so daemons that start together apply each migration exactly once.
 */
export class MigrationRunner {
  constructor(
    private readonly driver: MigrationDriver,
    private readonly folder: string,
  ) {}

  private files(): MigrationFile[] {
    return readMigrationFiles(this.folder);
  }

  async status(): Promise<MigrationStatus[]> {
    return this.statusOf(this.files());
  }

  private async statusOf(files: MigrationFile[]): Promise<MigrationStatus[]> {
    const applied = await this.driver.locked(async (tx) => {
      await tx.exec(HISTORY_DDL);
      return tx.applied();
    });
    return compareWithHistory(files, applied);
  }

  /** Checks history against files without applying anything. */
  async verify(): Promise<MigrationStatus[]> {
    const rows = await this.status();
    assertConsistent(rows);
    return rows;
  }

  /** Applies every pending migration (up to `upTo` if given); returns the ones this call applied. */
  async up(now: () => number = Date.now, upTo = Number.POSITIVE_INFINITY): Promise<MigrationStatus[]> {
    const files = this.files();
    const rows = await this.statusOf(files);
    assertConsistent(rows);
    // Only what looked pending takes the lock again (and is re-checked under it): a daemon that
    // reconnects to an up-to-date store pays one transaction, not one per migration.
    const pending = new Set(rows.filter((r) => r.state === 'pending').map((r) => r.version));
    const appliedNow: MigrationStatus[] = [];
    for (const file of files.filter((f) => pending.has(f.version) && f.version <= upTo)) {
      const row = await this.driver.locked(async (tx) => {
        const history = await tx.applied();
        const current = compareWithHistory(files, history);
        assertConsistent(current);
        if (history.some((h) => h.version === file.version)) return undefined;
        const started = performance.now();
        try {
          await tx.exec(file.sql);
        } catch (cause) {
          throw new AidosError(
            'migration',
            `migration ${file.file} failed and was rolled back: ${(cause as Error).message}`,
            {
              field: file.file,
              cause,
            },
          );
        }
        const applied: AppliedMigration = {
          version: file.version,
          name: file.name,
          checksum: file.checksum,
          applied_at: now(),
          duration_ms: Math.round((performance.now() - started) * 1000) / 1000,
        };
        await tx.record(applied);
        return { ...applied, state: 'applied' as const };
      });
      if (row) appliedNow.push(row);
    }
    return appliedNow;
  }
}
