import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import type PgCopyStreams from 'pg-copy-streams';
import { PG } from './sql.js';
import type { TableSpec } from './tables.js';

/** How batches enter PostgreSQL; `copy` measured faster (docs/benchmarks.md), `insert` kept to compare. */
export type WriteMethod = 'copy' | 'insert';

/** One batch of converted rows (PostgreSQL text input per column, null for NULL). */
export type PgRow = (string | null)[];

// CommonJS, needed only by the copy command: loaded on first use.
const require = createRequire(import.meta.url);
let copyStreams: typeof PgCopyStreams | undefined;

/** COPY text format: backslash, tab, newline and carriage return escaped; \N is NULL. */
function copyField(value: string | null): string {
  if (value === null) return '\\N';
  if (!/[\\\t\n\r]/.test(value)) return value;
  return value.replace(/[\\\t\n\r]/g, (c) =>
    c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r',
  );
}

async function writeCopy(client: pg.ClientBase, table: TableSpec, rows: PgRow[]): Promise<void> {
  copyStreams ??= require('pg-copy-streams') as typeof PgCopyStreams;
  const columns = table.columns.map((c) => c.name);
  // Lines joined into ~1 MB chunks: one socket write per chunk, not one per row.
  const chunks: string[] = [];
  let pending: string[] = [];
  let size = 0;
  for (const row of rows) {
    const line = `${row.map(copyField).join('\t')}\n`;
    pending.push(line);
    size += line.length;
    if (size >= 1 << 20) {
      chunks.push(pending.join(''));
      pending = [];
      size = 0;
    }
  }
  if (pending.length) chunks.push(pending.join(''));
  const stream = client.query(copyStreams.from(PG.copyFrom(table.name, columns)));
  await pipeline(Readable.from(chunks), stream);
}

/** PostgreSQL's bind-parameter limit per statement. */
const MAX_PARAMS = 65_535;

async function writeInsert(client: pg.ClientBase, table: TableSpec, rows: PgRow[]): Promise<void> {
  const columns = table.columns.map((c) => c.name);
  const perStatement = Math.max(1, Math.floor(MAX_PARAMS / columns.length));
  for (let i = 0; i < rows.length; i += perStatement) {
    const chunk = rows.slice(i, i + perStatement);
    await client.query(PG.insertValues(table.name, columns, chunk.length), chunk.flat());
  }
}

/** Writes a batch with the chosen method, inside the caller's transaction. */
export function writeBatch(
  method: WriteMethod,
  client: pg.ClientBase,
  table: TableSpec,
  rows: PgRow[],
): Promise<void> {
  return method === 'copy' ? writeCopy(client, table, rows) : writeInsert(client, table, rows);
}
