import { ident } from './sql.js';
import type { ColumnSpec, TableSpec } from './tables.js';

/**
 * The one canonical encoding of a row that both sides compute on their own: for each column in
 * order, `N` for NULL; text as `<utf-8 byte length>:<text>`; every other kind as `<canonical
 * text>;`. None of those texts holds a `;` except JSON, and a JSON text ends itself (once a `;` ends
 * a number), and none starts with `N`, so this stays unambiguous; it also lets PostgreSQL build
 * each value once, where a length prefix made it build the value twice (jsonb's rendering was a
 * third of its cost of hashing a task row, the times and integers a fifth of an event's). The row's
 * hash is sha-256 of that. Canonical texts: integers in decimal; booleans 1/0; doubles as the hex of
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
      return `CASE WHEN ${c} THEN '1' WHEN NOT ${c} THEN '0' END`;
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
    if (column.kind === 'text') return `COALESCE(octet_length(${text})::text || ':' || ${text}, 'N')`;
    return `COALESCE(${text} || ';', 'N')`;
  });
  return `sha256(textsend(${parts.join(' || ')}))`;
}
