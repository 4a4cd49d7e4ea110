import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import type PgCopyStreams from 'pg-copy-streams';
import { PG } from './sql.js';
import type { TableSpec } from './tables.js';

/** How batches enter PostgreSQL; `copy` measured faster (docs/benchmarks.md), `insert` kept to compare. */
export type WriteMethod = 'copy' | 'insert';

/** One converted row (PostgreSQL text input per column, null for NULL). */
export type PgRow = (string | null)[];

// CommonJS, needed only by the copy command: loaded on first use.
const require = createRequire(import.meta.url);
let copyStreams: typeof PgCopyStreams | undefined;

/** Streams one batch's COPY data (already encoded: binary format, pieces of ~1 MB) into the table. */
export async function writeCopy(client: pg.ClientBase, table: TableSpec, pieces: Buffer[]): Promise<void> {
  copyStreams ??= require('pg-copy-streams') as typeof PgCopyStreams;
  const columns = table.columns.map((c) => c.name);
  const stream = client.query(copyStreams.from(PG.copyFrom(table.name, columns)));
  await pipeline(Readable.from(pieces), stream);
}

/** PostgreSQL's bind-parameter limit per statement. */
const MAX_PARAMS = 65_535;

/** Writes converted rows with multi-row INSERT statements, inside the caller's transaction. */
export async function writeInsert(client: pg.ClientBase, table: TableSpec, rows: PgRow[]): Promise<void> {
  const columns = table.columns.map((c) => c.name);
  const perStatement = Math.max(1, Math.floor(MAX_PARAMS / columns.length));
  for (let i = 0; i < rows.length; i += perStatement) {
    const chunk = rows.slice(i, i + perStatement);
    await client.query(PG.insertValues(table.name, columns, chunk.length), chunk.flat());
  }
}
