import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { SqliteValue } from './convert.js';
import { BinaryCopy } from './copy-binary.js';
import { RowCodec } from './row-codec.js';
import type { SqliteSource } from './source.js';
import type { TableSpec } from './tables.js';
import type { PgRow, WriteMethod } from './writers.js';

/** One batch read from SQLite, ready to write, with the source side of its verification. */
export interface EncodedBatch {
  /** The batch's COPY data, binary format, in ~1 MB pieces (method copy). */
  copyData: Buffer[];
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
  /**
   * sha-256 hex of each row's canonical encoding, computed from the SQLite values, joined in key
   * order (`HASH_HEX` characters a row): one string to hand over from the worker and to compare.
   */
  hashes: string;
}

/** Characters of one row hash (sha-256, hex) in `EncodedBatch.hashes`. */
export const HASH_HEX = 64;

/**
 * A read slice, small: between two slices the event loop writes what the socket takes of the COPY
 * in flight (on this thread), and a slice's garbage dies young. 1 MB slices left PostgreSQL
 * waiting for data and took peak RSS ~50 MB higher (docs/benchmarks.md).
 */
const SLICE_BYTES = 64 * 1024;

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
  const codec = new RowCodec(table, source);
  let cursor = after;
  for (;;) {
    const batch: EncodedBatch = {
      copyData: [],
      rows: [],
      count: 0,
      firstKey: '',
      lastKey: null,
      keys: [],
      hashes: '',
    };
    let bytes = 0;
    const copy = options.method === 'copy' ? new BinaryCopy() : null;
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
        for (const v of row) bytes += typeof v === 'string' || Buffer.isBuffer(v) ? v.length : 8;
        batch.hashes += codec.encode(row, copy);
        const key = codec.key(row);
        if (options.method === 'insert') batch.rows.push(codec.pgRow(row));
        batch.keys.push(key);
      }
      batch.count += rows.length;
      cursor = rows[rows.length - 1]?.at(-1) ?? null;
      await yieldToLoop();
    }
    batch.copyData = copy?.finish() ?? [];
    if (batch.count === 0) return;
    batch.firstKey = batch.keys[0] ?? '';
    batch.lastKey = cursor;
    yield batch;
    if (exhausted) return;
  }
}
