import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { sourceRowHash } from './canonical.js';
import { type SqliteValue, toPgText } from './convert.js';
import type { SqliteSource } from './source.js';
import type { TableSpec } from './tables.js';
import type { PgRow, WriteMethod } from './writers.js';

/** One batch read from SQLite, ready to write, with the source side of its verification. */
export interface EncodedBatch {
  /** COPY text, UTF-8, in ~1 MB pieces (method copy). */
  copyText: Buffer[];
  /** Converted rows (method insert). */
  rows: PgRow[];
  /** Rows in the batch. */
  count: number;
  /** First key (text), for error messages. */
  firstKey: string;
  /** Last key, the resume point once the batch commits. */
  lastKey: SqliteValue;
  /** Keys in source (key) order, as text. */
  keys: string[];
  /** sha-256 hex of each row's canonical encoding, computed from the SQLite values. */
  hashes: string[];
}

/** A read slice: small enough that the event loop keeps the in-flight COPY fed between slices. */
const SLICE_BYTES = 1024 * 1024;
const PIECE_BYTES = 1024 * 1024;

/**
 * Collects COPY lines straight into UTF-8 buffers: each line string dies young (cheap to
 * collect), where a growing text piece would live on into the old generation and swell RSS.
 */
class Pieces {
  readonly done: Buffer[] = [];
  private buffer = Buffer.allocUnsafe(PIECE_BYTES);
  private used = 0;

  add(line: string): void {
    const bytes = Buffer.byteLength(line, 'utf8');
    if (this.used + bytes > this.buffer.length) {
      this.flush();
      this.buffer = Buffer.allocUnsafe(Math.max(PIECE_BYTES, bytes));
    }
    this.used += this.buffer.write(line, this.used, 'utf8');
  }

  flush(): void {
    if (this.used) this.done.push(this.buffer.subarray(0, this.used));
    this.used = 0;
  }
}

/** COPY text format: backslash, tab, newline and carriage return escaped; \N is NULL. */
function copyField(value: string | null): string {
  if (value === null) return '\\N';
  if (!/[\\\t\n\r]/.test(value)) return value;
  return value.replace(/[\\\t\n\r]/g, (c) =>
    c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r',
  );
}

/**
 * The table's batches after `after` in key order: each at most `limit` rows and about `maxBytes`
 * of values, read in slices with a turn of the event loop between them, so reading and encoding
 * the next batch overlaps with PostgreSQL taking the previous one.
 */
export async function* encodedBatches(
  source: SqliteSource,
  table: TableSpec,
  after: SqliteValue,
  options: { limit: number; maxBytes: number; method: WriteMethod },
): AsyncGenerator<EncodedBatch> {
  const keyIndex = table.columns.findIndex((c) => c.name === table.key.name);
  let cursor = after;
  for (;;) {
    const batch: EncodedBatch = {
      copyText: [],
      rows: [],
      count: 0,
      firstKey: '',
      lastKey: null,
      keys: [],
      hashes: [],
    };
    let bytes = 0;
    const pieces = new Pieces();
    let exhausted = false;
    while (batch.count < options.limit && bytes < options.maxBytes) {
      const rows = source.batch(
        table,
        cursor,
        options.limit - batch.count,
        Math.min(SLICE_BYTES, options.maxBytes - bytes),
      );
      if (!rows.length) {
        exhausted = true;
        break;
      }
      for (const row of rows) {
        const key = String(row[keyIndex]);
        const place = { table: table.name, column: '', key };
        const fields: PgRow = table.columns.map((column, i) => {
          const value = row[i] ?? null;
          if (typeof value === 'string') bytes += value.length;
          else if (Buffer.isBuffer(value)) bytes += value.length;
          else bytes += 8;
          place.column = column.name;
          return toPgText(value, column.kind, place);
        });
        if (options.method === 'copy') pieces.add(`${fields.map(copyField).join('\t')}\n`);
        else batch.rows.push(fields);
        batch.keys.push(key);
        batch.hashes.push(sourceRowHash(table, row, key));
      }
      batch.count += rows.length;
      cursor = rows[rows.length - 1]?.[keyIndex] ?? null;
      await yieldToLoop();
    }
    pieces.flush();
    batch.copyText = pieces.done;
    if (batch.count === 0) return;
    batch.firstKey = batch.keys[0] ?? '';
    batch.lastKey = cursor;
    yield batch;
    if (exhausted) return;
  }
}
