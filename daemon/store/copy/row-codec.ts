import { isUtf8 } from 'node:buffer';
import * as crypto from 'node:crypto';
import { AidosError } from '../../errors.js';
import { type ScalarKind, type SqliteValue, scalarField, toPgText, type ValuePlace } from './convert.js';
import type { BinaryCopy } from './copy-binary.js';
import { jsonbBytes } from './jsonb-text.js';
import type { SqliteSource } from './source.js';
import { BYTE_KINDS, type ColumnKind, type TableSpec } from './tables.js';

/** sha-256 hex of bytes: the one-shot `crypto.hash` where Node has it (20.12+), else a Hash object. */
const sha256Hex: (bytes: Buffer) => string =
  typeof (crypto as { hash?: unknown }).hash === 'function'
    ? (bytes) => crypto.hash('sha256', bytes, 'hex')
    : (bytes) => crypto.createHash('sha256').update(bytes).digest('hex');

/**
 * One table's rows, as the source reads them (text, JSON and blob columns as raw bytes, then a
 * mask of the values whose SQLite type does not fit their column, then the key), turned into
 * COPY's binary format and into the row hash of the verification (canonical.ts: the same encoding
 * `rowHashSql` has PostgreSQL compute), sha-256. Text is
 * hashed and copied from the bytes SQLite holds, so a large value is never decoded, re-encoded or
 * copied into a JavaScript string; JSON is canonicalised on its bytes (`jsonbBytes`).
 */
export class RowCodec {
  private readonly kinds: ColumnKind[];
  private scratch = Buffer.allocUnsafe(64 * 1024);
  private used = 0;
  /** The row being encoded, for error messages. */
  private row: SqliteValue[] = [];

  constructor(
    private readonly table: TableSpec,
    private readonly source: SqliteSource,
  ) {
    this.kinds = table.columns.map((c) => c.kind);
  }

  /** The row's key as text (the last value the source reads). */
  key(row: SqliteValue[]): string {
    return String(row[row.length - 1]);
  }

  /** The row's hash (hex); with `out`, the row appended there too. */
  encode(row: SqliteValue[], out: BinaryCopy | null): string {
    const n = this.kinds.length;
    if (row[n] !== 0n && row[n] !== 0) this.refuseRow(row);
    this.row = row;
    this.used = 0;
    out?.row(n);
    for (let i = 0; i < n; i++) {
      const value = row[i] ?? null;
      if (value === null) {
        this.hashText('N');
        out?.null();
        continue;
      }
      const kind = this.kinds[i] as ColumnKind;
      if (BYTE_KINDS.has(kind)) this.bytesValue(value as Buffer, kind, i, out);
      else {
        const canonical = scalarField(value, kind as ScalarKind, this.place(i), out);
        this.hashText(`${canonical.length}:${canonical}`);
      }
    }
    return sha256Hex(this.scratch.subarray(0, this.used));
  }

  /** The row (already checked by `encode`) as text parameters, for multi-row INSERT. */
  pgRow(row: SqliteValue[]): (string | null)[] {
    this.row = row;
    return this.kinds.map((kind, i) => {
      const value = row[i] ?? null;
      if (value === null) return null;
      if (kind === 'bytea') return `\\x${(value as Buffer).toString('hex')}`;
      if (BYTE_KINDS.has(kind)) return (value as Buffer).toString('utf8');
      return toPgText(value, kind, this.place(i));
    });
  }

  private bytesValue(bytes: Buffer, kind: ColumnKind, i: number, out: BinaryCopy | null): void {
    if (kind === 'bytea') {
      const hex = bytes.toString('hex');
      this.hashText(`${hex.length}:${hex}`);
      out?.bytes(bytes);
      return;
    }
    if (bytes.indexOf(0) >= 0)
      this.refuse(i, 'text contains a NUL character, which PostgreSQL text cannot hold');
    if (!isUtf8(bytes)) this.refuse(i, 'text is not valid UTF-8');
    if (kind === 'jsonb') {
      let canonical: string;
      try {
        canonical = jsonbBytes(bytes.toString('latin1'));
      } catch (cause) {
        this.refuse(i, `invalid JSON (${(cause as Error).message})`);
      }
      this.hashText(canonical);
      this.hashText(';');
      out?.jsonb(bytes);
    } else {
      this.hashText(`${bytes.length}:`);
      this.room(bytes.length);
      this.used += bytes.copy(this.scratch, this.used);
      out?.bytes(bytes);
    }
  }

  /** Appends text that is one byte per character (ASCII, or UTF-8 bytes held as latin1). */
  private hashText(text: string): void {
    this.room(text.length);
    this.used += this.scratch.write(text, this.used, 'latin1');
  }

  private room(bytes: number): void {
    if (this.used + bytes <= this.scratch.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.scratch.length * 2, this.used + bytes));
    this.scratch.copy(bigger, 0, 0, this.used);
    this.scratch = bigger;
  }

  private place(i: number): ValuePlace {
    return { table: this.table.name, column: this.table.columns[i]?.name ?? '', key: this.key(this.row) };
  }

  private refuse(i: number, why: string): never {
    const place = this.place(i);
    throw new AidosError('input', `${place.table}.${place.column} of row ${place.key}: ${why}`, {
      field: `${place.table}.${place.column}`,
    });
  }

  /** A value whose SQLite type does not fit its column: read as stored, refused by the plain conversion. */
  private refuseRow(row: SqliteValue[]): never {
    const key = this.key(row);
    const stored = this.source.rowByKey(this.table, row[row.length - 1] ?? null);
    const place = { table: this.table.name, column: '', key };
    this.table.columns.forEach((column, i) => {
      place.column = column.name;
      toPgText(stored?.[i] ?? null, column.kind, place);
    });
    throw new AidosError('input', `${this.table.name} row ${key}: a value does not fit its column`, {
      field: this.table.name,
    });
  }
}
