import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type Database from 'better-sqlite3';
import { AidosError } from '../../errors.js';
import { loadSqlite } from '../drivers.js';
import type { AppliedMigration } from '../types.js';
import type { SqliteValue } from './convert.js';
import { fileHolders } from './holders.js';
import { ident, SQLITE } from './sql.js';
import { BYTE_KINDS, type TableSpec } from './tables.js';

/** Where `--from` points: a SQLite file, `sqlite:PATH`, or a data dir holding aidos.db. */
export function resolveSourcePath(from: string): string {
  const path = resolve(from.startsWith('sqlite:') ? from.slice('sqlite:'.length) : from);
  if (!existsSync(path)) throw new AidosError('input', `--from: ${path} does not exist`, { field: '--from' });
  const file = statSync(path).isDirectory() ? join(path, 'aidos.db') : path;
  if (!existsSync(file)) {
    throw new AidosError(
      'input',
      `--from: ${path} is a folder without aidos.db (give the data dir or the file)`,
      {
        field: '--from',
      },
    );
  }
  return file;
}

/** Refuses while any process holds the file: a live daemon would keep writing behind the copy. */
export function assertNotHeld(path: string): void {
  const holders = fileHolders(path);
  const first = holders[0];
  if (!first) return;
  throw new AidosError(
    'conflict',
    `--from: ${path} is open by pid ${first.pid} (${first.command || 'unknown command'}); stop the daemon first ` +
      `(systemctl stop aidosd, or kill -TERM ${first.pid} and wait for it to exit), then run the copy again`,
    { field: '--from' },
  );
}

/**
 * The source, opened read-only inside one read transaction: every batch and the verification see
 * the same snapshot, and nothing can write the file through this connection.
 */
export class SqliteSource {
  readonly db: Database.Database;

  constructor(readonly path: string) {
    try {
      this.db = new (loadSqlite())(path, { readonly: true, fileMustExist: true });
      this.db.defaultSafeIntegers(true);
      // Every page is read once, in key order: better-sqlite3's default 16 MB page cache per
      // connection would only add to the copy's RSS.
      this.db.pragma('cache_size = -2048');
      this.db.exec('BEGIN');
      // Takes the read snapshot now, not at the first batch.
      this.db.prepare('SELECT COUNT(*) FROM sqlite_master').get();
    } catch (cause) {
      throw new AidosError('store', `cannot open SQLite ${path} read-only: ${(cause as Error).message}`, {
        cause,
      });
    }
  }

  private has(table: string): boolean {
    return this.db.prepare(SQLITE.tableExists).get(table) !== undefined;
  }

  /** Its migration history; refuses a file that is not an aidos store. */
  applied(): AppliedMigration[] {
    if (!this.has('aidos_migrations')) {
      throw new AidosError(
        'input',
        `--from: ${this.path} has no aidos_migrations table; it is not an aidos store`,
        {
          field: '--from',
        },
      );
    }
    return (this.db.prepare(SQLITE.applied).all() as Record<string, unknown>[]).map((r) => ({
      version: Number(r.version),
      name: String(r.name),
      checksum: String(r.checksum),
      applied_at: Number(r.applied_at),
      duration_ms: Number(r.duration_ms),
    }));
  }

  private readonly counts = new Map<string, number>();

  /** Rows in the table; counted once, since the snapshot never changes (asked per lane, worker, check). */
  count(table: string): number {
    let n = this.counts.get(table);
    if (n === undefined) {
      n = Number((this.db.prepare(SQLITE.count(table)).get() as { n: bigint }).n);
      this.counts.set(table, n);
    }
    return n;
  }

  /** Highest id SQLite's AUTOINCREMENT has handed out for the table (0 if none). */
  sequence(table: string): bigint {
    if (!this.db.prepare(SQLITE.hasSequenceTable).get()) return 0n;
    const row = this.db.prepare(SQLITE.sequence).get(table) as { seq: bigint } | undefined;
    return row ? BigInt(row.seq) : 0n;
  }

  /**
   * The next rows after `after` in key order, as `RowCodec` reads them (`SQLITE.codecColumns`), at
   * most `limit` rows and about `maxBytes` of values (a batch of 1 MiB messages stays small in memory).
   */
  batch(table: TableSpec, after: SqliteValue, limit: number, maxBytes: number): SqliteValue[][] {
    const stmt = this.batchStatement(table, after === null);
    const rows: SqliteValue[][] = [];
    let bytes = 0;
    const iterator = (after === null ? stmt.iterate(limit) : stmt.iterate(after, limit)) as IterableIterator<
      SqliteValue[]
    >;
    for (const row of iterator) {
      rows.push(row);
      for (const v of row) bytes += typeof v === 'string' ? v.length : Buffer.isBuffer(v) ? v.length : 8;
      if (bytes >= maxBytes) {
        iterator.return?.();
        break;
      }
    }
    return rows;
  }

  /** Reads come in small slices: each statement is prepared once per table. */
  private readonly statements = new Map<string, Database.Statement>();

  private statement(name: string, sql: () => string): Database.Statement {
    let stmt = this.statements.get(name);
    if (!stmt) {
      stmt = this.db.prepare(sql()).raw(true);
      this.statements.set(name, stmt);
    }
    return stmt;
  }

  private codecSelect(table: TableSpec, shortText: boolean): string {
    return SQLITE.codecColumns(
      table.columns.map((c) => ({ ...c, bytes: BYTE_KINDS.has(c.kind) })),
      table.key.name,
      shortText,
    );
  }

  private batchStatement(table: TableSpec, first: boolean): Database.Statement {
    return this.statement(`${first ? 'first' : 'after'}:${table.name}`, () => {
      const select = this.codecSelect(table, true);
      return first
        ? SQLITE.batchFirst(table.name, select, table.key.name)
        : SQLITE.batchAfter(table.name, select, table.key.name);
    });
  }

  /** One row as `RowCodec` reads it, every text and JSON value as bytes, by key. */
  bytesRowByKey(table: TableSpec, key: SqliteValue): SqliteValue[] | undefined {
    const stmt = this.statement(`bytes:${table.name}`, () =>
      SQLITE.codecRowByKey(table.name, this.codecSelect(table, false), table.key.name),
    );
    return stmt.get(key) as SqliteValue[] | undefined;
  }

  /** One row as stored (no casts), by key. */
  rowByKey(table: TableSpec, key: SqliteValue): SqliteValue[] | undefined {
    const stmt = this.db.prepare(
      SQLITE.rowByKey(
        table.name,
        table.columns.map((c) => c.name),
        table.key.name,
      ),
    );
    return stmt.raw(true).get(key) as SqliteValue[] | undefined;
  }

  /**
   * About `n` rows spread evenly over the table by rowid (its first rows for a WITHOUT ROWID
   * table), for the storage sample.
   */
  sample(table: TableSpec, n: number): SqliteValue[][] {
    const columns = table.columns.map((c) => c.name);
    let bounds: { lo: bigint | null; hi: bigint | null };
    try {
      bounds = this.db.prepare(SQLITE.rowidBounds(table.name)).get() as typeof bounds;
    } catch {
      // WITHOUT ROWID: its first rows in key order.
      return this.db
        .prepare(SQLITE.batchFirst(table.name, columns.map(ident).join(', '), table.key.name))
        .raw(true)
        .all(n) as SqliteValue[][];
    }
    const { lo, hi } = bounds;
    if (lo === null || hi === null) return [];
    const at = this.db.prepare(SQLITE.rowAtRowid(table.name, columns)).raw(true);
    const rows = new Map<bigint, SqliteValue[]>();
    const span = hi - lo;
    for (let i = 0n; i < BigInt(n); i++) {
      const row = at.get(lo + (span * i) / BigInt(Math.max(1, n - 1))) as
        | [bigint, ...SqliteValue[]]
        | undefined;
      if (row) rows.set(row[0], row.slice(1));
    }
    return [...rows.values()];
  }

  close(): void {
    if (this.db.inTransaction) this.db.exec('COMMIT');
    this.db.close();
  }
}

/** A key as the target and the state table store it (text), back to the SQLite value. */
export function keyValue(table: TableSpec, text: string | null): SqliteValue {
  if (text === null) return null;
  return table.key.kind === 'text' ? text : BigInt(text);
}
