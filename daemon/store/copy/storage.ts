import type pg from 'pg';
import { encodeRow } from './convert.js';
import type { SqliteSource } from './source.js';
import { PG } from './sql.js';
import type { ColumnSpec, TableSpec } from './tables.js';
import { inTransaction, targetQuery } from './target.js';
import { writeInsert } from './writers.js';

/** A column the load stores without compression attempts, with what the sample showed. */
export interface UncompressedColumn {
  /** Table name. */
  table: string;
  /** Column name. */
  column: string;
  /** Sampled values large enough for PostgreSQL to try compressing them. */
  large_values: number;
  /** Of those, how many it compressed. */
  compressed: number;
}

/** Rows sampled per table, spread over it. */
const SAMPLE_ROWS = 200;
/** Below this many large sampled values there is no evidence either way: the column stays as it is. */
const MIN_LARGE = 8;
/** A value this large makes its row exceed PostgreSQL's TOAST threshold (~2 KB): compression is tried. */
const LARGE_BYTES = 2000;

const TOASTABLE = new Set<ColumnSpec['kind']>(['text', 'jsonb', 'bytea']);

/**
 * PostgreSQL tries to compress each large value before storing it out of line (TOAST); on data
 * that does not compress (random, already compressed or encrypted text) every attempt is spent
 * for nothing: 22 % of the server's CPU in the copy benchmark (docs/benchmarks.md). So before the
 * load a sample of each table's rows goes into a temporary table, and the server itself says
 * which large sampled values it compressed. A column whose large values it compressed at most
 * one time in 20 is loaded with STORAGE EXTERNAL (out of line, never compressed: what the server
 * stored for those values anyway) and switched back afterwards, for the rows the daemon writes.
 * Nothing is written to the target here.
 */
export async function columnsToLoadUncompressed(
  source: SqliteSource,
  client: pg.ClientBase,
  tables: TableSpec[],
): Promise<UncompressedColumn[]> {
  const extended = await targetQuery<{ table_name: string; column_name: string }>(
    client,
    PG.extendedColumns,
    [tables.map((t) => t.name)],
  );
  const found: UncompressedColumn[] = [];
  for (const table of tables) {
    const candidates = table.columns.filter(
      (c) =>
        TOASTABLE.has(c.kind) &&
        extended.some((e) => e.table_name === table.name && e.column_name === c.name),
    );
    if (candidates.length === 0) continue;
    const rows = source.sample(table, SAMPLE_ROWS);
    if (rows.length === 0) continue;
    const sampled = await inTransaction(client, async () => {
      await targetQuery(client, PG.createSample(table.name));
      await writeInsert(
        client,
        { ...table, name: PG.sampleTable },
        rows.map((row) => encodeRow(table, row)),
      );
      return targetQuery<Record<string, number>>(client, PG.sampleCompression(candidates, LARGE_BYTES));
    });
    const counts = sampled[0] ?? {};
    candidates.forEach((column, i) => {
      const large = Number(counts[`l${i}`] ?? 0);
      const compressed = Number(counts[`c${i}`] ?? 0);
      if (large >= MIN_LARGE && compressed * 20 <= large) {
        found.push({ table: table.name, column: column.name, large_values: large, compressed });
      }
    });
  }
  return found;
}

/**
 * Turns autovacuum off for the copied tables (and their TOAST tables) while they load, inside the
 * copy's start transaction, saving the statement that puts each table's settings back in
 * `aidos_copy_deferred` first, like the storage switch below. A load only inserts, and every
 * 20 % of growth set off another autovacuum of the table that competed with the load for the
 * same cores (docs/benchmarks.md); the copy runs ANALYZE itself once the rows are in, and
 * autovacuum takes up the tables afterwards.
 */
export async function pauseAutovacuum(client: pg.ClientBase, tables: TableSpec[]): Promise<void> {
  const settings = await targetQuery<{ table_name: string; heap: string | null; toast: string | null }>(
    client,
    PG.autovacuumSettings,
    [tables.map((t) => t.name)],
  );
  for (const s of settings) {
    // A rerun finds the saved statement already there (ON CONFLICT DO NOTHING): it keeps the original settings.
    await targetQuery(client, PG.saveDeferred, [
      'autovacuum:storage',
      s.table_name,
      'storage',
      PG.restoreAutovacuum(s.table_name, s.heap, s.toast),
    ]);
    await targetQuery(client, PG.pauseAutovacuum(s.table_name));
  }
}

/**
 * Switches the columns to STORAGE EXTERNAL inside the copy's start transaction, saving the
 * statement that switches each back in `aidos_copy_deferred` first: the rebuild after the load
 * restores them, and a killed copy leaves the statements for its rerun.
 */
export async function loadUncompressed(client: pg.ClientBase, columns: UncompressedColumn[]): Promise<void> {
  for (const c of columns) {
    await targetQuery(client, PG.saveDeferred, [
      `${c.column}:storage`,
      c.table,
      'storage',
      PG.setStorage(c.table, c.column, 'EXTENDED'),
    ]);
    await targetQuery(client, PG.setStorage(c.table, c.column, 'EXTERNAL'));
  }
}
