/**
 * Every SQL statement `aidos migrate copy` runs, on both sides. Identifiers come from the target's
 * catalog (never from user input) and are quoted with `ident`.
 */

/** Double-quotes an identifier the catalog gave us. */
export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** The copy's own bookkeeping table in the target: one row per copied table. */
export const STATE_TABLE = 'aidos_copy_state';
/** Definitions of the indexes and constraints a copy dropped, until it builds them again. */
export const DEFERRED_TABLE = 'aidos_copy_deferred';

export const PG = {
  serverEncoding: 'SHOW server_encoding',
  tableExists: 'SELECT to_regclass($1) IS NOT NULL AS present',
  appliedVersions:
    'SELECT version, name, checksum, applied_at, duration_ms FROM aidos_migrations ORDER BY version',
  /**
   * User tables of the current schema with their columns, types and primary key, in column order.
   * Not copied: the migration history (the runner writes the target's), the copy's own state, and
   * store_identity, which each store draws at its first migration: a copied one would let the new
   * store pass for the old one, and a peer still on the old store could join its cluster.
   */
  columns: `SELECT c.relname AS table_name, a.attname AS column_name, format_type(a.atttypid, a.atttypmod) AS data_type,
      a.attnum AS position, COALESCE(a.attnum = ANY (pk.conkey), false) AS is_pk,
      pg_get_serial_sequence(quote_ident(c.relname), a.attname) AS sequence
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema()
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    LEFT JOIN pg_constraint pk ON pk.conrelid = c.oid AND pk.contype = 'p'
    WHERE c.relkind = 'r' AND c.relname NOT IN ('aidos_migrations', 'store_identity', '${STATE_TABLE}', '${DEFERRED_TABLE}')
    ORDER BY c.relname, a.attnum`,
  /** Foreign keys between those tables: a referenced table is copied before the one referring to it. */
  foreignKeys: `SELECT c.relname AS child, p.relname AS parent FROM pg_constraint k
    JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class p ON p.oid = k.confrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema()
    WHERE k.contype = 'f' AND c.oid <> p.oid`,
  anyRow: (table: string) => `SELECT EXISTS (SELECT 1 FROM ${ident(table)}) AS present`,
  count: (table: string) => `SELECT count(*)::text AS n FROM ${ident(table)}`,
  truncate: (tables: string[]) => `TRUNCATE ${tables.map(ident).join(', ')} RESTART IDENTITY CASCADE`,
  createState: `CREATE TABLE IF NOT EXISTS ${STATE_TABLE} (
    table_name text PRIMARY KEY,
    source text NOT NULL,
    last_key text,
    rows_copied bigint NOT NULL DEFAULT 0,
    done boolean NOT NULL DEFAULT false,
    verified_at timestamptz,
    updated_at timestamptz NOT NULL DEFAULT now()
  )`,
  readState: `SELECT table_name, source, last_key, rows_copied::text AS rows_copied, done, verified_at IS NOT NULL AS verified
    FROM ${STATE_TABLE} ORDER BY table_name`,
  clearState: `DELETE FROM ${STATE_TABLE}`,
  startState: `INSERT INTO ${STATE_TABLE} (table_name, source) VALUES ($1, $2) ON CONFLICT (table_name) DO NOTHING`,
  advanceState: `UPDATE ${STATE_TABLE} SET last_key = $2, rows_copied = rows_copied + $3, updated_at = now()
    WHERE table_name = $1`,
  finishState: `UPDATE ${STATE_TABLE} SET done = true, updated_at = now() WHERE table_name = $1`,
  verifiedState: `UPDATE ${STATE_TABLE} SET verified_at = now() WHERE table_name = $1`,
  /** Moves a serial column's sequence past every copied id (and past ids SQLite already handed out). */
  resetSequence: (table: string, column: string) =>
    `SELECT setval(pg_get_serial_sequence($1, $2), GREATEST(COALESCE((SELECT max(${ident(column)}) FROM ${ident(table)}), 0), $3::bigint, 1),
      GREATEST(COALESCE((SELECT max(${ident(column)}) FROM ${ident(table)}), 0), $3::bigint) > 0)`,
  /**
   * A batch's transaction: its commit does not wait for the WAL flush. A server crash can lose
   * the last batches, but each with its own state row, so the copy resumes before them; the
   * verification reads what the server holds. SET LOCAL: safe behind a transaction pooler.
   */
  beginBatch: 'BEGIN; SET LOCAL synchronous_commit = off',
  copyFrom: (table: string, columns: string[]) =>
    `COPY ${ident(table)} (${columns.map(ident).join(', ')}) FROM STDIN (FORMAT binary)`,
  insertValues: (table: string, columns: string[], rows: number) => {
    const tuples: string[] = [];
    for (let r = 0; r < rows; r++) {
      const base = r * columns.length;
      tuples.push(`(${columns.map((_, c) => `$${base + c + 1}`).join(', ')})`);
    }
    return `INSERT INTO ${ident(table)} (${columns.map(ident).join(', ')}) VALUES ${tuples.join(', ')}`;
  },
  deferredTable: DEFERRED_TABLE,
  createDeferred: `CREATE TABLE IF NOT EXISTS ${DEFERRED_TABLE} (
    table_name text NOT NULL,
    name text NOT NULL,
    kind text NOT NULL CHECK (kind IN ('index', 'unique', 'foreign_key', 'storage')),
    statement text NOT NULL,
    PRIMARY KEY (table_name, name)
  )`,
  /**
   * The tables' unique and foreign-key constraints and their other indexes, each with the statement
   * that builds it again. Primary keys stay, and so do indexes owned by a constraint other than a
   * unique one (exclusion constraints).
   */
  secondaryObjects: `SELECT k.conname AS name, c.relname AS table_name,
      CASE k.contype WHEN 'f' THEN 'foreign_key' ELSE 'unique' END AS kind,
      format('ALTER TABLE %I ADD CONSTRAINT %I %s', c.relname, k.conname, pg_get_constraintdef(k.oid)) AS statement
    FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema()
    WHERE k.contype IN ('f', 'u') AND c.relname = ANY ($1::text[])
    UNION ALL
    SELECT i.relname, c.relname, 'index', pg_get_indexdef(i.oid)
    FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class c ON c.oid = x.indrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema()
    WHERE c.relname = ANY ($1::text[]) AND NOT x.indisprimary
      AND NOT EXISTS (SELECT 1 FROM pg_constraint o WHERE o.conindid = x.indexrelid AND o.contype IN ('p', 'u', 'x'))
    ORDER BY 2, 1`,
  saveDeferred: `INSERT INTO ${DEFERRED_TABLE} (name, table_name, kind, statement) VALUES ($1, $2, $3, $4)
    ON CONFLICT (table_name, name) DO NOTHING`,
  /** Columns of those tables stored EXTENDED (compressed when large): the ones a sample may switch. */
  extendedColumns: `SELECT c.relname AS table_name, a.attname AS column_name FROM pg_attribute a
    JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema()
    WHERE c.relname = ANY ($1::text[]) AND a.attnum > 0 AND NOT a.attisdropped AND a.attstorage = 'x'`,
  sampleTable: 'aidos_copy_sample',
  /** Same columns and types, each with its type's default storage (EXTENDED); gone at commit. */
  createSample: (table: string) =>
    `CREATE TEMP TABLE aidos_copy_sample (LIKE ${ident(table)}) ON COMMIT DROP`,
  /** Per column i: l<i> sampled values of at least `large` bytes (or compressed), c<i> compressed ones. */
  sampleCompression: (columns: { name: string }[], large: number) =>
    `SELECT ${columns
      .map((c, i) => {
        const col = ident(c.name);
        return `count(*) FILTER (WHERE octet_length(${col}::text) >= ${large} OR pg_column_compression(${col}) IS NOT NULL) AS l${i},
      count(*) FILTER (WHERE pg_column_compression(${col}) IS NOT NULL) AS c${i}`;
      })
      .join(', ')} FROM aidos_copy_sample`,
  /** Each table's autovacuum_enabled, and its TOAST table's, where set (null where not). */
  autovacuumSettings: `SELECT c.relname AS table_name,
      (SELECT split_part(o, '=', 2) FROM unnest(c.reloptions) o WHERE o LIKE 'autovacuum_enabled=%') AS heap,
      (SELECT split_part(o, '=', 2) FROM unnest(t.reloptions) o WHERE o LIKE 'autovacuum_enabled=%') AS toast
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema()
    LEFT JOIN pg_class t ON t.oid = c.reltoastrelid
    WHERE c.relname = ANY ($1::text[]) AND c.relkind = 'r'`,
  pauseAutovacuum: (table: string) =>
    `ALTER TABLE ${ident(table)} SET (autovacuum_enabled = false, toast.autovacuum_enabled = false)`,
  /** Puts a table's autovacuum settings back as they were (RESET where they were not set). */
  restoreAutovacuum: (table: string, heap: string | null, toast: string | null) => {
    const restore = (option: string, value: string | null) =>
      value === null ? `RESET (${option})` : `SET (${option} = ${quoteLiteral(value)})`;
    return `ALTER TABLE ${ident(table)} ${restore('autovacuum_enabled', heap)}, ${restore('toast.autovacuum_enabled', toast)}`;
  },
  analyze: (tables: string[]) => `ANALYZE ${tables.map(ident).join(', ')}`,
  setStorage: (table: string, column: string, storage: 'EXTENDED' | 'EXTERNAL') =>
    `ALTER TABLE ${ident(table)} ALTER COLUMN ${ident(column)} SET STORAGE ${storage}`,
  dropIndex: (name: string) => `DROP INDEX ${ident(name)}`,
  dropConstraint: (row: { table_name: string; name: string }) =>
    `ALTER TABLE ${ident(row.table_name)} DROP CONSTRAINT ${ident(row.name)}`,
  /** Indexes and unique constraints before the foreign keys that may need them. */
  readDeferred: `SELECT name, table_name, kind, statement FROM ${DEFERRED_TABLE}
    ORDER BY kind = 'foreign_key', table_name, name`,
  clearDeferred: `DELETE FROM ${DEFERRED_TABLE}`,
  /** Index builds sort in memory up to this much per build (the session default is often 64 MB). */
  beginRebuild: "BEGIN; SET LOCAL maintenance_work_mem = '128MB'",
  declareHashes: (cursor: string, table: string, key: string, keyCollate: string, rowHash: string) =>
    `DECLARE ${cursor} NO SCROLL CURSOR FOR SELECT ${ident(key)}::text AS k, encode(${rowHash}, 'hex') AS h
      FROM ${ident(table)} ORDER BY ${ident(key)}${keyCollate}`,
  fetch: (cursor: string, n: number) => `FETCH ${n} FROM ${cursor}`,
  /**
   * Where a committed batch's rows are: between its first and last key (one index range scan,
   * `$1`, `$2`), or by its keys (`$1`, an array, through the primary key).
   */
  batchRows: (key: string, keyType: 'text' | 'bigint', byKeyRange: boolean) =>
    byKeyRange
      ? `${ident(key)} BETWEEN $1::${keyType} AND $2::${keyType}`
      : `${ident(key)} = ANY ($1::${keyType}[])`,
  /** Those rows' hashes, one row each: to name the first key that differs. */
  hashesWhere: (table: string, key: string, where: string, rowHash: string) =>
    `SELECT ${ident(key)}::text AS k, encode(${rowHash}, 'hex') AS h FROM ${ident(table)} WHERE ${where}`,
  /**
   * Those rows' count and their hashes joined in key order (`keyCollate`: bytes, as SQLite orders
   * text), in one row: what a batch that matches needs, without a row per key to send and parse.
   */
  joinedHashesWhere: (table: string, key: string, keyCollate: string, where: string, rowHash: string) =>
    `SELECT count(*)::int AS n, COALESCE(string_agg(encode(${rowHash}, 'hex'), '' ORDER BY ${ident(key)}${keyCollate}), '') AS hashes
      FROM ${ident(table)} WHERE ${where}`,
  /** Probe strings ($1) in the order of the database's collation, and whether column $3 of table $2 uses it. */
  sortedByDefaultCollation: `SELECT array_agg(p ORDER BY p) AS sorted,
      (SELECT attcollation = 100 FROM pg_attribute WHERE attrelid = to_regclass($2) AND attname = $3) AS uses_default
    FROM unnest($1::text[]) p`,
} as const;

/** Text and JSON up to this many bytes are read as strings (`SQLITE.codecColumns`). */
export const SHORT_TEXT_BYTES = 256;

export const SQLITE = {
  tableExists: "SELECT 1 AS present FROM sqlite_master WHERE type = 'table' AND name = ?",
  applied: 'SELECT version, name, checksum, applied_at, duration_ms FROM aidos_migrations ORDER BY version',
  columns: (table: string) => `SELECT name FROM pragma_table_info(${quoteLiteral(table)}) ORDER BY cid`,
  tables:
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT IN ('aidos_migrations', 'store_identity') ORDER BY name",
  count: (table: string) => `SELECT COUNT(*) AS n FROM ${ident(table)}`,
  sequence: 'SELECT seq FROM sqlite_sequence WHERE name = ?',
  hasSequenceTable:
    "SELECT 1 AS present FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence'",
  /**
   * What `RowCodec` reads per row: blob columns as their bytes, text and JSON as their raw bytes too
   * or, with `shortText`, as text (a string) where at most SHORT_TEXT_BYTES long: a value read as
   * bytes costs a Buffer of its own, and reading the benchmark's events took 2.5 times as long that
   * way (docs/benchmarks.md); large values stay bytes, never decoded and encoded again. Then a mask
   * with bit i set where column i holds a SQLite type that does not fit it (such a row is read
   * again as stored, for the error), then the key.
   */
  codecColumns: (
    columns: { name: string; kind: string; bytes: boolean }[],
    key: string,
    shortText: boolean,
  ) => {
    const mismatch = columns.flatMap((c, i) => {
      if (!c.bytes) return [];
      const wrong = c.kind === 'bytea' ? "IN ('integer', 'real')" : "NOT IN ('text', 'null')";
      return [`((typeof(${ident(c.name)}) ${wrong}) << ${i})`];
    });
    const read = (c: { name: string; kind: string; bytes: boolean }) => {
      const column = ident(c.name);
      if (!c.bytes) return column;
      if (!shortText || c.kind === 'bytea') return `CAST(${column} AS BLOB)`;
      return `CASE WHEN length(CAST(${column} AS BLOB)) <= ${SHORT_TEXT_BYTES} THEN ${column} ELSE CAST(${column} AS BLOB) END`;
    };
    return [...columns.map(read), mismatch.length ? mismatch.join(' | ') : '0', ident(key)].join(', ');
  },
  /**
   * The next rows in primary-key order after a key (keyset paging: resumable, no OFFSET scans).
   * `LIMIT ? + 0`, not `LIMIT ?`: SQLite plans with a bare bound LIMIT's value, so each new value
   * made it parse and plan the whole statement again (4 in 10 of its time reading the benchmark's
   * tasks); an expression it does not look into.
   */
  batchAfter: (table: string, select: string, key: string) =>
    `SELECT ${select} FROM ${ident(table)} WHERE ${ident(key)} > ? ORDER BY ${ident(key)} LIMIT ? + 0`,
  batchFirst: (table: string, select: string, key: string) =>
    `SELECT ${select} FROM ${ident(table)} ORDER BY ${ident(key)} LIMIT ? + 0`,
  codecRowByKey: (table: string, select: string, key: string) =>
    `SELECT ${select} FROM ${ident(table)} WHERE ${ident(key)} = ?`,
  rowByKey: (table: string, columns: string[], key: string) =>
    `SELECT ${columns.map(ident).join(', ')} FROM ${ident(table)} WHERE ${ident(key)} = ?`,
  /** Two subqueries: SQLite answers a lone min() or max() from the b-tree's end, but both in one SELECT scan the table. */
  rowidBounds: (table: string) =>
    `SELECT (SELECT min(rowid) FROM ${ident(table)}) AS lo, (SELECT max(rowid) FROM ${ident(table)}) AS hi`,
  /** The first row at or after a rowid, the rowid first. */
  rowAtRowid: (table: string, columns: string[]) =>
    `SELECT rowid, ${columns.map(ident).join(', ')} FROM ${ident(table)} WHERE rowid >= ? ORDER BY rowid LIMIT 1`,
} as const;

function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
