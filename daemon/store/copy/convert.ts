import { AidosError } from '../../errors.js';
import type { BinaryCopy } from './copy-binary.js';
import { jsonbText } from './jsonb-text.js';
import type { ColumnKind, TableSpec } from './tables.js';

/** What better-sqlite3 returns with safe integers on: every INTEGER is a bigint. */
export type SqliteValue = string | bigint | number | Buffer | null;

/** Where a bad value sits, for the error message. */
export interface ValuePlace {
  /** Table name. */
  table: string;
  /** Column name. */
  column: string;
  /** Primary key of the row. */
  key: string;
}

const LIMITS: Record<'int2' | 'int4' | 'int8', [bigint, bigint]> = {
  int2: [-32768n, 32767n],
  int4: [-2147483648n, 2147483647n],
  int8: [-9223372036854775808n, 9223372036854775807n],
};

function refuse(place: ValuePlace, why: string): never {
  throw new AidosError('input', `${place.table}.${place.column} of row ${place.key}: ${why}`, {
    field: `${place.table}.${place.column}`,
  });
}

function describe(value: SqliteValue): string {
  if (Buffer.isBuffer(value)) return `a ${value.length}-byte blob`;
  if (typeof value === 'string') return `text ${JSON.stringify(value.slice(0, 40))}`;
  return `${typeof value === 'bigint' ? 'integer' : 'real'} ${String(value)}`;
}

// A stored time in text form: ISO 8601 with or without a zone (without one it is UTC, as the daemon writes).
const TEXT_TIME =
  /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?)(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/** A stored time as epoch milliseconds: SQLite integer milliseconds, or an ISO 8601 text time. */
export function epochMs(value: SqliteValue, place: ValuePlace): bigint {
  if (typeof value === 'bigint') {
    // JavaScript dates (±8.64e15 ms) are narrower than timestamptz; nothing the daemon writes is near either.
    if (value > 8_640_000_000_000_000n || value < -8_640_000_000_000_000n)
      refuse(place, `time ${value} ms is out of range`);
    return value;
  }
  if (typeof value === 'string') {
    const match = TEXT_TIME.exec(value);
    const parsed = match ? Date.parse(`${match[1]}T${match[2]}${match[3] ?? 'Z'}`) : Number.NaN;
    if (Number.isNaN(parsed)) refuse(place, `${describe(value)} is not a time (epoch ms or ISO 8601)`);
    return BigInt(parsed);
  }
  return refuse(place, `${describe(value)} is not a time (epoch ms or ISO 8601)`);
}

/** PostgreSQL's own input form, which (unlike ISO 8601's +YYYYYY) takes any year and BC. */
function timestampText(ms: number): string {
  const d = new Date(ms);
  const year = d.getUTCFullYear();
  // Years 1–9999, nearly every stored time: toISOString's form, which PostgreSQL reads as is.
  if (year >= 1 && year <= 9999) return d.toISOString();
  const two = (n: number) => String(n).padStart(2, '0');
  const date = `${String(year <= 0 ? 1 - year : year).padStart(4, '0')}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())}`;
  const time = `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}.${String(d.getUTCMilliseconds()).padStart(3, '0')}`;
  return `${date} ${time}+00${year <= 0 ? ' BC' : ''}`;
}

/** An integer that fits the column's type. */
function integer(value: SqliteValue, kind: 'int2' | 'int4' | 'int8', place: ValuePlace): bigint {
  if (typeof value !== 'bigint') refuse(place, `${describe(value)} is not an integer`);
  const [min, max] = LIMITS[kind];
  if (value < min || value > max) refuse(place, `${value} does not fit PostgreSQL ${kind}`);
  return value;
}

function boolean(value: SqliteValue, place: ValuePlace): boolean {
  if (value !== 0n && value !== 1n) refuse(place, `${describe(value)} is not a boolean (0 or 1)`);
  return value === 1n;
}

/** A double, as its 8 IEEE bytes (big-endian: PostgreSQL's binary form and the canonical hex). */
function double(value: SqliteValue, place: ValuePlace): Buffer {
  const n = typeof value === 'bigint' ? Number(value) : value;
  if (typeof n !== 'number' || (typeof value === 'bigint' && BigInt(n) !== value))
    refuse(place, `${describe(value)} is not exactly a double`);
  const bytes = Buffer.allocUnsafe(8);
  bytes.writeDoubleBE(n);
  return bytes;
}

function text(value: SqliteValue, place: ValuePlace): string {
  if (typeof value !== 'string') refuse(place, `${describe(value)} where text belongs`);
  if (value.includes('\u0000'))
    refuse(place, 'text contains a NUL character, which PostgreSQL text cannot hold');
  return value;
}

/** Checked with the same parser that gives the row hash its canonical JSON (what jsonb can hold). */
function json(value: SqliteValue, place: ValuePlace): string {
  const raw = text(value, place);
  try {
    jsonbText(raw);
  } catch (cause) {
    refuse(place, `invalid JSON (${(cause as Error).message})`);
  }
  // Handed to PostgreSQL as written: re-serialising would round large numbers through doubles.
  return raw;
}

/** The kinds `scalarField` converts. */
export type ScalarKind = 'int2' | 'int4' | 'int8' | 'bool' | 'float8' | 'timestamptz';

/**
 * A scalar checked and converted once: its canonical text in the row hash (see canonical.ts) is
 * returned, and with `out` its COPY binary value is written there. Canonical texts: integers in
 * decimal, booleans 1/0, doubles as the hex of their 8 IEEE bytes, times as epoch microseconds.
 */
export function scalarField(
  value: SqliteValue,
  kind: ScalarKind,
  place: ValuePlace,
  out: BinaryCopy | null,
): string {
  switch (kind) {
    case 'int2':
    case 'int4':
    case 'int8': {
      const n = integer(value, kind, place);
      out?.[kind](n);
      return n.toString();
    }
    case 'bool': {
      const b = boolean(value, place);
      out?.bool(b);
      return b ? '1' : '0';
    }
    case 'float8': {
      const ieee = double(value, place);
      out?.float8(ieee);
      return ieee.toString('hex');
    }
    case 'timestamptz': {
      const ms = epochMs(value, place);
      out?.timestamptz(ms);
      return (ms * 1000n).toString();
    }
  }
}

/**
 * A SQLite value as PostgreSQL's text input for the column's type (null stays null). Every rule
 * is explicit; anything outside it is refused naming table, column and key, never guessed.
 */
export function toPgText(value: SqliteValue, kind: ColumnKind, place: ValuePlace): string | null {
  if (value === null) return null;
  switch (kind) {
    case 'text':
      return text(value, place);
    case 'int2':
    case 'int4':
    case 'int8':
      return integer(value, kind, place).toString();
    case 'bool':
      return boolean(value, place) ? 't' : 'f';
    case 'float8':
      // Shortest round-trip form: PostgreSQL parses it back to the same double.
      return String(double(value, place).readDoubleBE(0));
    case 'timestamptz':
      return timestampText(Number(epochMs(value, place)));
    case 'jsonb':
      return json(value, place);
    case 'bytea': {
      const bytes = Buffer.isBuffer(value)
        ? value
        : typeof value === 'string'
          ? Buffer.from(value, 'utf8')
          : undefined;
      if (!bytes) refuse(place, `${describe(value)} where a blob belongs`);
      return `\\x${bytes.toString('hex')}`;
    }
  }
}

/** A whole SQLite row as PostgreSQL text input, column by column (the key names the row in errors). */
export function encodeRow(table: TableSpec, row: SqliteValue[]): (string | null)[] {
  const key = String(row[table.columns.findIndex((c) => c.name === table.key.name)]);
  const place = { table: table.name, column: '', key };
  return table.columns.map((column, i) => {
    place.column = column.name;
    return toPgText(row[i] ?? null, column.kind, place);
  });
}
