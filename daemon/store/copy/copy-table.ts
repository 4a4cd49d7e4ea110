import type pg from 'pg';
import { AidosError } from '../../errors.js';
import type { EncodedBatch } from './batches.js';
import { keyValue, type SqliteSource } from './source.js';
import { PG } from './sql.js';
import type { TableSpec } from './tables.js';
import { inTransaction, type TableState, targetQuery } from './target.js';
import { tableBatches } from './worker-batches.js';
import { type WriteMethod, writeCopy, writeInsert } from './writers.js';

/** A batch stays under this many bytes of values whatever --batch says (1 MiB messages). */
export const BATCH_BYTES = 4 * 1024 * 1024;

/** Batches read and encoded ahead of the one PostgreSQL takes (memory: this many + 1 per table). */
const READ_AHEAD = 2;

/**
 * Copies one table from where its state row says, in key order: each batch and the state row
 * that records it commit together, so a copy killed at any point resumes after its last batch.
 * The next batches are read and encoded while PostgreSQL takes the current one (`READ_AHEAD`
 * ahead, no more: memory stays at three batches); each committed batch goes to `onCommitted`
 * (the verification). Returns the rows this call copied.
 */
export async function copyTable(
  source: SqliteSource,
  client: pg.ClientBase,
  table: TableSpec,
  state: TableState | undefined,
  options: {
    batch: number;
    method: WriteMethod;
    /** Read and encode on the worker thread. */
    onWorker: boolean;
    onRows: (n: number) => void;
    onCommitted?: (batch: EncodedBatch) => Promise<void>;
  },
): Promise<number> {
  if (state?.done) return 0;
  const batches = tableBatches(source, table, keyValue(table, state?.last_key ?? null), {
    limit: options.batch,
    maxBytes: BATCH_BYTES,
    method: options.method,
    onWorker: options.onWorker,
  });
  let copied = 0;
  const ahead: Promise<IteratorResult<EncodedBatch>>[] = [];
  const readAhead = () => {
    const next = batches.next();
    // A read-ahead may fail while a batch is written; its error surfaces when it is awaited.
    next.catch(() => {});
    ahead.push(next);
  };
  for (let i = 0; i < READ_AHEAD; i++) readAhead();
  try {
    for (;;) {
      const current = await (ahead.shift() as Promise<IteratorResult<EncodedBatch>>);
      if (current.done) break;
      const batch = current.value;
      readAhead();
      await inTransaction(
        client,
        async () => {
          try {
            if (options.method === 'copy') await writeCopy(client, table, batch.copyData);
            else await writeInsert(client, table, batch.rows);
          } catch (cause) {
            throw refused(table, batch, cause as Error);
          }
          await targetQuery(client, PG.advanceState, [table.name, String(batch.lastKey), batch.count]);
        },
        PG.beginBatch,
      );
      copied += batch.count;
      options.onRows(batch.count);
      await options.onCommitted?.(batch);
    }
  } finally {
    await batches.return(undefined).catch(() => {});
  }
  await targetQuery(client, PG.finishState, [table.name]);
  return copied;
}

/**
 * PostgreSQL's refusal of a batch, naming the row when its context says which COPY line it was
 * (`COPY tasks, line 3, column result`): the checks PostgreSQL makes as it parses (a raw control
 * character in JSON, say) are not made twice here.
 */
function refused(table: TableSpec, batch: EncodedBatch, cause: Error): AidosError {
  const where = (cause as Error & { where?: string }).where ?? '';
  // The context may hold other lines first (a JSON parse error's own `JSON data, line 1: …`); the
  // binary format's ends at the column name (the text format's went on with `: "<value>"`).
  const line = /\bCOPY [^\n]*?, line (\d+)(?:, column ([^:\n]+))?/.exec(where);
  const key = line ? batch.keys[Number(line[1]) - 1] : undefined;
  const column = line?.[2];
  const at =
    key === undefined
      ? `batch from key ${batch.firstKey}`
      : `row ${key}${column ? `, column ${column}` : ''}`;
  // SQLSTATE classes 22 (data exception) and 23 (integrity): the data is at fault, not the server.
  const code = (cause as Error & { code?: string }).code ?? '';
  const kind = /^2[23]/.test(code) ? 'input' : 'store';
  return new AidosError(kind, `copying ${table.name} (${at}): PostgreSQL refused it: ${cause.message}`, {
    cause,
    field: column ? `${table.name}.${column}` : table.name,
  });
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
