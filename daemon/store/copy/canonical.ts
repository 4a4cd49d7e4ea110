import { ident } from './sql.js';
import type { ColumnSpec, TableSpec } from './tables.js';

/**
 * The one canonical encoding of a row that both sides compute on their own: for each column in
 * order, `N` for NULL or `<utf-8 byte length>:<canonical text>`, except JSON: `<canonical
 * text>;` (a JSON text is self-delimiting once a number is ended, and no JSON starts with `N`, so
 * this stays unambiguous, and PostgreSQL renders each jsonb once instead of twice, once more for
 * its length: that was a third of its cost of hashing a task row). The row's hash is sha-256 of
 * that. Canonical texts: text as is; integers in decimal; booleans 1/0; doubles as the hex of
 * their 8 IEEE bytes; times as epoch microseconds; JSON as jsonb prints it; bytes as hex.
 * `RowCodec` computes it from the SQLite values (text, JSON and bytes itself, the scalars with
 * `scalarField`), `rowHashSql` has PostgreSQL compute it from its own columns.
 */
function canonicalSql(column: ColumnSpec): string {
  const c = ident(column.name);
  switch (column.kind) {
    case 'text':
      return c;
    case 'int2':
    case 'int4':
    case 'int8':
      return `${c}::text`;
    case 'bool':
      return `CASE WHEN ${c} THEN '1' ELSE '0' END`;
    case 'float8':
      return `encode(float8send(${c}), 'hex')`;
    case 'timestamptz':
      // extract() is numeric (exact) since PostgreSQL 14.
      return `(extract(epoch FROM ${c}) * 1000000)::bigint::text`;
    case 'jsonb':
      return `${c}::jsonb::text`;
    case 'bytea':
      return `encode(${c}, 'hex')`;
  }
}

/**
 * The same row hash as `RowCodec`'s, computed by PostgreSQL from its own columns (a bytea). The
 * text goes to sha-256 through `textsend`, its bytes in the client encoding, which `targetPool`
 * fixes at UTF-8: `convert_to(…, 'UTF8')` gave the same bytes but checked every byte of every row
 * for valid UTF-8 once more, a sixth of the server's cost of hashing a task row.
 */
export function rowHashSql(table: TableSpec): string {
  const parts = table.columns.map((column) => {
    const text = canonicalSql(column);
    if (column.kind === 'jsonb') return `COALESCE(${text} || ';', 'N')`;
    return `COALESCE(octet_length(${text})::text || ':' || ${text}, 'N')`;
  });
  return `sha256(textsend(${parts.join(' || ')}))`;
}
