import type Database from 'better-sqlite3';
import type pg from 'pg';
import { AidosError } from '../../errors.js';
import { PG, SQLITE } from './sql.js';

/** How a column's values cross from SQLite to PostgreSQL (from the target column's type). */
export type ColumnKind =
  | 'text'
  | 'int2'
  | 'int4'
  | 'int8'
  | 'float8'
  | 'bool'
  | 'timestamptz'
  | 'jsonb'
  | 'bytea';

/** The kinds the source reads as raw UTF-8 bytes (`CAST(… AS BLOB)`), never decoded to strings. */
export const BYTE_KINDS: ReadonlySet<ColumnKind> = new Set(['text', 'jsonb', 'bytea']);

/** One column of a copied table. */
export interface ColumnSpec {
  /** Column name (same on both sides). */
  name: string;
  /** Conversion and canonical encoding used for it. */
  kind: ColumnKind;
}

/** One copied table, as the target's catalog describes it. */
export interface TableSpec {
  /** Table name. */
  name: string;
  /** Columns in target order. */
  columns: ColumnSpec[];
  /** The single primary-key column, the copy's order and resume point. */
  key: ColumnSpec;
  /** Serial column whose sequence is reset after the copy, if any. */
  serial: string | undefined;
}

const KINDS: Record<string, ColumnKind> = {
  text: 'text',
  'character varying': 'text',
  smallint: 'int2',
  integer: 'int4',
  bigint: 'int8',
  'double precision': 'float8',
  boolean: 'bool',
  'timestamp with time zone': 'timestamptz',
  jsonb: 'jsonb',
  bytea: 'bytea',
};

interface CatalogColumn {
  table_name: string;
  column_name: string;
  data_type: string;
  is_pk: boolean;
  sequence: string | null;
}

/** Reads the target's tables after its migrations ran, in an order that satisfies foreign keys. */
export async function targetTables(client: pg.ClientBase): Promise<TableSpec[]> {
  const { rows } = await client.query<CatalogColumn>(PG.columns);
  const tables = new Map<string, TableSpec>();
  const keys = new Map<string, ColumnSpec[]>();
  for (const row of rows) {
    const kind = KINDS[row.data_type.replace(/\(.*\)$/, '')];
    if (!kind) {
      throw new AidosError(
        'migration',
        `${row.table_name}.${row.column_name}: column type ${row.data_type} has no defined conversion from SQLite`,
        { field: `${row.table_name}.${row.column_name}` },
      );
    }
    const column = { name: row.column_name, kind };
    let table = tables.get(row.table_name);
    if (!table) {
      table = { name: row.table_name, columns: [], key: column, serial: undefined };
      tables.set(row.table_name, table);
    }
    table.columns.push(column);
    if (row.is_pk) keys.set(row.table_name, [...(keys.get(row.table_name) ?? []), column]);
    if (row.sequence) table.serial = row.column_name;
  }
  for (const table of tables.values()) {
    const key = keys.get(table.name) ?? [];
    if (key.length !== 1 || !key[0]) {
      throw new AidosError('migration', `${table.name}: the copy needs a single-column primary key`, {
        field: table.name,
      });
    }
    table.key = key[0];
  }
  const edges = (await client.query<{ child: string; parent: string }>(PG.foreignKeys)).rows;
  return orderByDependencies([...tables.values()], edges);
}

function orderByDependencies(tables: TableSpec[], edges: { child: string; parent: string }[]): TableSpec[] {
  const ordered: TableSpec[] = [];
  const placed = new Set<string>();
  let remaining = [...tables].sort((a, b) => (a.name < b.name ? -1 : 1));
  while (remaining.length) {
    const ready = remaining.filter((t) =>
      edges.every(
        (e) => e.child !== t.name || placed.has(e.parent) || !remaining.some((r) => r.name === e.parent),
      ),
    );
    if (!ready.length) throw new AidosError('migration', 'the target tables have circular foreign keys');
    for (const t of ready) {
      ordered.push(t);
      placed.add(t.name);
    }
    remaining = remaining.filter((t) => !placed.has(t.name));
  }
  return ordered;
}

/** Refuses when the source's tables or columns are not the target's (same version should mean same shape). */
export function assertSameShape(db: Database.Database, tables: TableSpec[]): void {
  const sourceTables = (db.prepare(SQLITE.tables).all() as { name: string }[]).map((r) => r.name);
  const targetNames = new Set(tables.map((t) => t.name));
  const extra = sourceTables.filter((name) => !targetNames.has(name));
  if (extra.length) {
    throw new AidosError('migration', `source table ${extra[0]} has no counterpart in the target schema`, {
      field: extra[0],
    });
  }
  for (const table of tables) {
    const columns = (db.prepare(SQLITE.columns(table.name)).all() as { name: string }[]).map((r) => r.name);
    if (!columns.length) {
      throw new AidosError('migration', `target table ${table.name} is missing from the source`, {
        field: table.name,
      });
    }
    const wanted = table.columns.map((c) => c.name);
    const differ = wanted.find((c) => !columns.includes(c)) ?? columns.find((c) => !wanted.includes(c));
    if (differ) {
      throw new AidosError('migration', `${table.name}.${differ}: column exists on one side only`, {
        field: `${table.name}.${differ}`,
      });
    }
  }
}
