import type pg from 'pg';
import { AidosError } from '../../errors.js';
import { toPgText } from './convert.js';
import { keyValue, type SqliteSource } from './source.js';
import { PG } from './sql.js';
import type { TableSpec } from './tables.js';
import { inTransaction, type TableState, targetQuery } from './target.js';
import { type PgRow, type WriteMethod, writeBatch } from './writers.js';

/** A batch stays under this many bytes of values whatever --batch says (1 MiB messages). */
export const BATCH_BYTES = 8 * 1024 * 1024;

/**
 * Copies one table from where its state row says, in key order: each batch and the state row
 * that records it commit together, so a copy killed at any point resumes after its last batch.
 * Returns the rows this call copied.
 */
export async function copyTable(
  source: SqliteSource,
  client: pg.ClientBase,
  table: TableSpec,
  state: TableState | undefined,
  options: { batch: number; method: WriteMethod; onRows: (n: number) => void },
): Promise<number> {
  if (state?.done) return 0;
  const keyIndex = table.columns.findIndex((c) => c.name === table.key.name);
  let after = keyValue(table, state?.last_key ?? null);
  let copied = 0;
  for (;;) {
    const rows = source.batch(table, after, options.batch, BATCH_BYTES);
    if (!rows.length) break;
    const converted: PgRow[] = rows.map((row) => {
      const key = String(row[keyIndex]);
      return table.columns.map((column, i) =>
        toPgText(row[i] ?? null, column.kind, { table: table.name, column: column.name, key }),
      );
    });
    const last = rows[rows.length - 1]?.[keyIndex] ?? null;
    await inTransaction(client, async () => {
      try {
        await writeBatch(options.method, client, table, converted);
      } catch (cause) {
        const first = String(rows[0]?.[keyIndex]);
        throw new AidosError(
          'store',
          `copying ${table.name} (batch from key ${first}): PostgreSQL refused it: ${(cause as Error).message}`,
          { cause, field: table.name },
        );
      }
      await targetQuery(client, PG.advanceState, [table.name, String(last), rows.length]);
    });
    after = last;
    copied += rows.length;
    options.onRows(rows.length);
  }
  await targetQuery(client, PG.finishState, [table.name]);
  return copied;
}

/** Moves a serial column's sequence past the copied ids and past what SQLite's AUTOINCREMENT handed out. */
export async function resetSequence(
  source: SqliteSource,
  client: pg.ClientBase,
  table: TableSpec,
): Promise<void> {
  if (!table.serial) return;
  await targetQuery(client, PG.resetSequence(table.name, table.serial), [
    table.name,
    table.serial,
    source.sequence(table.name).toString(),
  ]);
}
