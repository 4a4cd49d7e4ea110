import type pg from 'pg';
import { AidosError } from '../../errors.js';
import { loadPg } from '../drivers.js';
import { toAppliedMigration } from '../migrate/runner.js';
import type { AppliedMigration } from '../types.js';
import { PG, STATE_TABLE } from './sql.js';
import type { TableSpec } from './tables.js';

/** A copy-state row: how far a table got. */
export interface TableState {
  /** Table name. */
  table_name: string;
  /** Real path of the SQLite file it came from. */
  source: string;
  /** Last copied key (text), null before the first batch. */
  last_key: string | null;
  /** Rows copied so far. */
  rows_copied: number;
  /** Every row of the table is in. */
  done: boolean;
  /** A verification passed after the copy. */
  verified: boolean;
}

/** Where `--to` points, without the password. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://(unparseable url)';
  }
}

/** Checks `--to` is a PostgreSQL URL. */
export function assertTargetUrl(url: string): void {
  if (!/^postgres(ql)?:\/\//.test(url)) {
    throw new AidosError('input', '--to: must be a postgres:// or postgresql:// URL', { field: '--to' });
  }
}

/**
 * A pool of four connections: two tables copied at a time, each with a connection copying and one
 * verifying the batches it committed.
 */
export function targetPool(url: string): pg.Pool {
  // UTF-8 whatever PGCLIENTENCODING or the role says: the server's row hashes hash text as sent
  // to the client (`rowHashSql`), and the driver decodes every result as UTF-8 anyway.
  return new (loadPg().Pool)({
    connectionString: url,
    max: 4,
    application_name: 'aidos migrate copy',
    client_encoding: 'UTF8',
  });
}

/** Runs a query, turning connection failures into a store error naming the target. */
export async function targetQuery<R extends pg.QueryResultRow>(
  client: pg.ClientBase | pg.Pool,
  sql: string,
  params: unknown[] = [],
): Promise<R[]> {
  try {
    return (await client.query<R>(sql, params)).rows;
  } catch (cause) {
    throw new AidosError('store', `PostgreSQL target: ${(cause as Error).message}`, { cause });
  }
}

async function exists(client: pg.ClientBase, table: string): Promise<boolean> {
  return Boolean((await targetQuery<{ present: boolean }>(client, PG.tableExists, [table]))[0]?.present);
}

/** What the target already holds, read without changing it. */
export interface TargetFacts {
  /** Its migration history (empty on a fresh database). */
  applied: AppliedMigration[];
  /** Copy-state rows from an earlier run. */
  state: TableState[];
  /** The first table that has rows, if any. */
  populated: string | undefined;
}

export async function readTarget(client: pg.ClientBase, tables: TableSpec[]): Promise<TargetFacts> {
  const encoding = (await targetQuery<{ server_encoding: string }>(client, PG.serverEncoding))[0]
    ?.server_encoding;
  if (encoding !== 'UTF8') {
    throw new AidosError(
      'input',
      `--to: the target database's encoding is ${encoding}; create it with ENCODING 'UTF8'`,
      {
        field: '--to',
      },
    );
  }
  const applied = (await exists(client, 'aidos_migrations'))
    ? (await targetQuery<Record<string, unknown>>(client, PG.appliedVersions)).map(toAppliedMigration)
    : [];
  const state = (await exists(client, STATE_TABLE))
    ? (await targetQuery<Record<string, unknown>>(client, PG.readState)).map((r) => ({
        table_name: String(r.table_name),
        source: String(r.source),
        last_key: r.last_key === null ? null : String(r.last_key),
        rows_copied: Number(r.rows_copied),
        done: Boolean(r.done),
        verified: Boolean(r.verified),
      }))
    : [];
  let populated: string | undefined;
  for (const table of tables) {
    if ((await targetQuery<{ present: boolean }>(client, PG.anyRow(table.name)))[0]?.present) {
      populated = table.name;
      break;
    }
  }
  return { applied, state, populated };
}

/** Runs `fn` in one transaction on the client (`begin` may add SET LOCAL statements). */
export async function inTransaction<T>(
  client: pg.ClientBase,
  fn: () => Promise<T>,
  begin = 'BEGIN',
): Promise<T> {
  await targetQuery(client, begin);
  try {
    const result = await fn();
    await targetQuery(client, 'COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}
