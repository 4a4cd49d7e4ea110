import { createHash } from 'node:crypto';
import type pg from 'pg';
import { HASH_HEX } from './batches.js';
import { rowHashSql } from './canonical.js';
import type { SqliteValue } from './convert.js';
import { RowCodec } from './row-codec.js';
import type { SqliteSource } from './source.js';
import { ident, PG } from './sql.js';
import type { TableSpec } from './tables.js';
import { targetQuery } from './target.js';

/** What verifying one table found. */
export interface TableCheck {
  /** Table name. */
  table: string;
  /** Rows in the source. */
  source_rows: number;
  /** Rows in the target. */
  target_rows: number;
  /** sha-256 over the source's row hashes in key order. */
  source_checksum: string;
  /** The same, over the row hashes PostgreSQL computed. */
  target_checksum: string;
  /** First key (in key order) whose row differs, is missing from the target, or is extra there. */
  first_difference: { key: string; problem: 'differs' | 'missing_in_target' | 'extra_in_target' } | null;
  /** Counts and checksums agree. */
  verified: boolean;
}

interface Keyed {
  key: string;
  hash: string;
}

const FETCH = 1000;
const SOURCE_BATCH_BYTES = 8 * 1024 * 1024;

/** Keys a linguistic collation orders apart from their bytes (case, punctuation, accents, digits, scripts). */
const COLLATION_PROBES = [
  'a',
  'B',
  'b',
  'A',
  '_',
  '-',
  'a_b',
  'ab',
  'a-c',
  'aa',
  'Z',
  'z',
  '0',
  '9',
  '~',
  ' x',
  'é',
  'e',
  'f',
  '中',
  '🦀',
  't_1',
  't-1',
  't1',
];

/**
 * Whether the target orders the table's keys by their bytes, as SQLite does (integers; text under
 * the C, POSIX or C.UTF-8 collations): then a key range means the same rows on both sides. Told
 * from how the server sorts probes a linguistic collation would reorder; a wrong answer could only
 * cost speed (a row outside the range is named missing, and the table is verified again in full).
 */
export async function keysSortAsBytes(client: pg.ClientBase, table: TableSpec): Promise<boolean> {
  if (table.key.kind !== 'text') return true;
  const [row] = await targetQuery<{ sorted: string[]; uses_default: boolean | null }>(
    client,
    PG.sortedByDefaultCollation,
    [COLLATION_PROBES, ident(table.name), table.key.name],
  );
  const bytes = [...COLLATION_PROBES].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return row?.uses_default === true && row.sorted.join('\n') === bytes.join('\n');
}

/** Key order of both streams: bytes for text keys (COLLATE "C" = SQLite BINARY), numbers otherwise. */
function compareKeys(table: TableSpec, a: string, b: string): number {
  if (table.key.kind === 'text') return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

async function* sourceHashes(source: SqliteSource, table: TableSpec): AsyncGenerator<Keyed> {
  const codec = new RowCodec(table, source);
  let after: SqliteValue = null;
  for (;;) {
    const rows = source.batch(table, after, FETCH, SOURCE_BATCH_BYTES);
    for (const row of rows) yield { key: codec.key(row), hash: codec.encode(row, null) };
    if (rows.length === 0) return;
    after = rows[rows.length - 1]?.at(-1) ?? null;
    // Let the event loop breathe between batches (progress, signals).
    await new Promise((r) => setImmediate(r));
  }
}

async function* targetHashes(client: pg.ClientBase, table: TableSpec): AsyncGenerator<Keyed> {
  const collate = table.key.kind === 'text' ? ' COLLATE "C"' : '';
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    await client.query(
      PG.declareHashes('aidos_verify', table.name, table.key.name, collate, rowHashSql(table)),
    );
    for (;;) {
      const { rows } = await client.query<{ k: string; h: string }>(PG.fetch('aidos_verify', FETCH));
      for (const row of rows) yield { key: row.k, hash: row.h };
      if (rows.length < FETCH) break;
    }
  } finally {
    await client.query('COMMIT');
  }
}

/**
 * Verifies one table: counts from each side, and a merge of the two row-hash streams (SQLite's
 * computed here, PostgreSQL's computed by the server in SQL) in key order.
 */
export async function verifyTable(
  source: SqliteSource,
  client: pg.ClientBase,
  table: TableSpec,
  onRows: (n: number) => void,
): Promise<TableCheck> {
  const sourceRows = source.count(table.name);
  const targetRows = Number((await client.query<{ n: string }>(PG.count(table.name))).rows[0]?.n ?? 0);
  const sourceSum = createHash('sha256');
  const targetSum = createHash('sha256');
  let first: TableCheck['first_difference'] = null;
  const s = sourceHashes(source, table);
  const t = targetHashes(client, table);
  let a = await s.next();
  let b = await t.next();
  let seen = 0;
  while (!a.done || !b.done) {
    const order = a.done ? 1 : b.done ? -1 : compareKeys(table, a.value.key, b.value.key);
    if (order <= 0 && !a.done) sourceSum.update(a.value.hash);
    if (order >= 0 && !b.done) targetSum.update(b.value.hash);
    if (!first) {
      if (order < 0 && !a.done) first = { key: a.value.key, problem: 'missing_in_target' };
      else if (order > 0 && !b.done) first = { key: b.value.key, problem: 'extra_in_target' };
      else if (!a.done && !b.done && a.value.hash !== b.value.hash)
        first = { key: a.value.key, problem: 'differs' };
    }
    if (order <= 0) a = await s.next();
    if (order >= 0) b = await t.next();
    if (++seen % FETCH === 0) onRows(FETCH);
  }
  onRows(seen % FETCH);
  const source_checksum = sourceSum.digest('hex');
  const target_checksum = targetSum.digest('hex');
  return {
    table: table.name,
    source_rows: sourceRows,
    target_rows: targetRows,
    source_checksum,
    target_checksum,
    first_difference: first,
    verified: sourceRows === targetRows && source_checksum === target_checksum && first === null,
  };
}

/**
 * The same verification, done batch by batch while the copy runs: each committed batch's rows
 * are looked up by key in PostgreSQL, which hashes them from its stored columns (on the second
 * connection, while the next batch is copied), and compared with the hashes computed from the
 * SQLite rows: a batch that matches comes back as one row (its count and its hashes joined in key
 * order, which cost the copy a parse of every row's hash before), one that does not row by row,
 * to name the first key that differs. With equal counts at the end, every target row was one of those, so the table's
 * checksums are exactly `verifyTable`'s. A table that does not pass is verified again with
 * `verifyTable`, whose merge names the first difference in key order.
 */
export class BatchCheck {
  private readonly sourceSum = createHash('sha256');
  private readonly targetSum = createHash('sha256');
  private first: TableCheck['first_difference'] = null;
  private pending: Promise<void> = Promise.resolve();
  private error: unknown;
  private checked = 0;
  /** Per batch: count and joined hashes (one row); on a difference, the hashes row by row. */
  private readonly joinedSql: string;
  private readonly rowsSql: string;

  /**
   * With `byKeyRange` (the target orders the keys as SQLite does: `keysSortAsBytes`) a batch's rows
   * are found with one range scan between its first and last key; otherwise key by key, which cost
   * PostgreSQL a sixth more for the benchmark's tasks. Either way a row of the batch the target
   * lacks is named, and a row the range holds besides the batch's is left to the final count.
   */
  constructor(
    private readonly pool: pg.Pool,
    private readonly table: TableSpec,
    private readonly byKeyRange: boolean,
  ) {
    const text = table.key.kind === 'text';
    const where = PG.batchRows(table.key.name, text ? 'text' : 'bigint', byKeyRange);
    const hash = rowHashSql(table);
    this.joinedSql = PG.joinedHashesWhere(
      table.name,
      table.key.name,
      text ? ' COLLATE "C"' : '',
      where,
      hash,
    );
    this.rowsSql = PG.hashesWhere(table.name, table.key.name, where, hash);
  }

  /** Checks a committed batch; waits for the previous one (one query in flight, memory bounded). */
  async add(batch: { keys: string[]; hashes: string }): Promise<void> {
    await this.settled();
    this.pending = this.check(batch).catch((error: unknown) => {
      this.error = error;
    });
  }

  private async settled(): Promise<void> {
    await this.pending;
    if (this.error) throw this.error;
  }

  private async check(batch: { keys: string[]; hashes: string }): Promise<void> {
    const params = this.byKeyRange ? [batch.keys[0], batch.keys[batch.keys.length - 1]] : [batch.keys];
    this.checked += batch.keys.length;
    const [joined] = await targetQuery<{ n: number; hashes: string }>(this.pool, this.joinedSql, params);
    // Each row's hash covers its key: the same hashes in the same order are the same rows.
    if (joined?.n === batch.keys.length && joined.hashes === batch.hashes) {
      this.sourceSum.update(batch.hashes);
      this.targetSum.update(batch.hashes);
      return;
    }
    const rows = await targetQuery<{ k: string; h: string }>(this.pool, this.rowsSql, params);
    const target = new Map(rows.map((r) => [r.k, r.h]));
    batch.keys.forEach((key, i) => {
      const hash = batch.hashes.slice(i * HASH_HEX, (i + 1) * HASH_HEX);
      this.sourceSum.update(hash);
      const theirs = target.get(key);
      if (theirs === undefined) this.first ??= { key, problem: 'missing_in_target' };
      else {
        this.targetSum.update(theirs);
        if (theirs !== hash) this.first ??= { key, problem: 'differs' };
      }
    });
  }

  /** The table's result once every batch is in: counts from both sides, both checksums. */
  async finish(sourceRows: number): Promise<TableCheck> {
    await this.settled();
    const targetRows = Number(
      (await targetQuery<{ n: string }>(this.pool, PG.count(this.table.name)))[0]?.n ?? 0,
    );
    const source_checksum = this.sourceSum.digest('hex');
    const target_checksum = this.targetSum.digest('hex');
    return {
      table: this.table.name,
      source_rows: sourceRows,
      target_rows: targetRows,
      source_checksum,
      target_checksum,
      first_difference: this.first,
      verified:
        sourceRows === targetRows &&
        this.checked === sourceRows &&
        source_checksum === target_checksum &&
        this.first === null,
    };
  }
}
