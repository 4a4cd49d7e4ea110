import { isUtf8 } from 'node:buffer';
import * as crypto from 'node:crypto';
import { AidosError } from '../../errors.js';
import { withRoom } from './buffer-room.js';
import { type ScalarKind, type SqliteValue, scalarField, toPgText, type ValuePlace } from './convert.js';
import type { BinaryCopy } from './copy-binary.js';
import { jsonbCanonical } from './jsonb-text.js';
import type { SqliteSource } from './source.js';
import { BYTE_KINDS, type ColumnKind, type TableSpec } from './tables.js';

/** sha-256 hex of bytes: the one-shot `crypto.hash` where Node has it (20.12+), else a Hash object. */
const sha256Hex: (bytes: Buffer) => string =
  typeof (crypto as { hash?: unknown }).hash === 'function'
    ? (bytes) => crypto.hash('sha256', bytes, 'hex')
    : (bytes) => crypto.createHash('sha256').update(bytes).digest('hex');

/** Up to this many characters, `hashText` copies in JavaScript rather than call Buffer.write. */
const SHORT_WRITE = 32;

/**
 * One table's rows, as the source reads them (text and JSON as raw bytes, or as strings when short,
 * blobs as bytes, then a mask of the values whose SQLite type does not fit their column, then the
 * key), turned into
 * COPY's binary format and into the row hash of the verification (canonical.ts: the same encoding
 * `rowHashSql` has PostgreSQL compute), sha-256. Text is
 * hashed and copied from the bytes SQLite holds, so a large value is never decoded, re-encoded or
 * copied into a JavaScript string; JSON is canonicalised on its bytes (`jsonbCanonical`).
 */
export class RowCodec {
  private readonly kinds: ColumnKind[];
  /** Columns read as text (strings when short): the ones `decodedCleanly` looks at. */
  private readonly textColumns: number[];
  private scratch: Buffer = Buffer.allocUnsafe(64 * 1024);
  private text: Buffer = Buffer.allocUnsafe(1024);
  private used = 0;
  /** The row being encoded, for error messages. */
  private row: SqliteValue[] = [];

  constructor(
    private readonly table: TableSpec,
    private readonly source: SqliteSource,
  ) {
    this.kinds = table.columns.map((c) => c.kind);
    this.textColumns = this.kinds.flatMap((kind, i) => (BYTE_KINDS.has(kind) && kind !== 'bytea' ? [i] : []));
  }

  /** The row's key as text (the last value the source reads). */
  key(row: SqliteValue[]): string {
    return String(row[row.length - 1]);
  }

  /** The row's hash (hex); with `out`, the row appended there too. */
  encode(read: SqliteValue[], out: BinaryCopy | null): string {
    const n = this.kinds.length;
    if (read[n] !== 0n && read[n] !== 0) this.refuseRow(read);
    const row = this.decodedCleanly(read) ? read : this.asBytes(read);
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
      if (kind === 'text' && typeof value === 'string') this.shortText(value, i, out);
      else if (BYTE_KINDS.has(kind))
        this.bytesValue(typeof value === 'string' ? this.utf8(value) : (value as Buffer), kind, i, out);
      else {
        const canonical = scalarField(value, kind as ScalarKind, this.place(i), out);
        this.hashText(`${canonical};`);
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
      if (BYTE_KINDS.has(kind)) return typeof value === 'string' ? value : (value as Buffer).toString('utf8');
      return toPgText(value, kind, this.place(i));
    });
  }

  /**
   * Short text arrives as strings, decoded by SQLite's driver, which replaces invalid UTF-8 with
   * U+FFFD: a row with one in a string is read again as bytes, to tell a real U+FFFD (kept) from
   * invalid bytes (refused).
   */
  private decodedCleanly(row: SqliteValue[]): boolean {
    for (const i of this.textColumns) {
      const value = row[i];
      if (typeof value === 'string' && value.includes('\uFFFD')) return false;
    }
    return true;
  }

  private asBytes(row: SqliteValue[]): SqliteValue[] {
    const bytes = this.source.bytesRowByKey(this.table, row[row.length - 1] ?? null);
    if (!bytes)
      throw new AidosError('store', `${this.table.name} row ${this.key(row)} is gone from the source`);
    return bytes;
  }

  /** A string's UTF-8 bytes, in a buffer reused for every value (the callers copy what they keep). */
  private utf8(text: string): Buffer {
    this.text = withRoom(this.text, 0, text.length * 3);
    return this.text.subarray(0, this.text.write(text, 0, 'utf8'));
  }

  /**
   * Short text, read as a string: written as UTF-8 straight into the hash and the COPY data. A
   * string the driver decoded is valid UTF-8 once `decodedCleanly` passed it, so only NUL is checked.
   */
  private shortText(value: string, i: number, out: BinaryCopy | null): void {
    if (value.includes('\u0000'))
      this.refuse(i, 'text contains a NUL character, which PostgreSQL text cannot hold');
    const bytes = Buffer.byteLength(value, 'utf8');
    this.hashText(`${bytes}:`);
    this.room(bytes);
    this.used += this.scratch.write(value, this.used, 'utf8');
    out?.text(value, bytes);
  }

  private bytesValue(bytes: Buffer, kind: ColumnKind, i: number, out: BinaryCopy | null): void {
    if (kind === 'bytea') {
      this.hashText(`${bytes.toString('hex')};`);
      out?.bytes(bytes);
      return;
    }
    if (bytes.indexOf(0) >= 0)
      this.refuse(i, 'text contains a NUL character, which PostgreSQL text cannot hold');
    if (!isUtf8(bytes)) this.refuse(i, 'text is not valid UTF-8');
    if (kind === 'jsonb') {
      let canonical: Buffer;
      try {
        canonical = jsonbCanonical(bytes);
      } catch (cause) {
        this.refuse(i, `invalid JSON (${(cause as Error).message})`);
      }
      // A view of the canonicaliser's buffer, copied before the next value reuses it.
      this.room(canonical.length + 1);
      this.used += canonical.copy(this.scratch, this.used);
      this.scratch[this.used++] = 0x3b; // ';' closes a JSON value, as rowHashSql's does
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
    if (text.length > SHORT_WRITE) {
      this.used += this.scratch.write(text, this.used, 'latin1');
      return;
    }
    // Most pieces are a few characters (`N`, a length and `:`): a Buffer.write call each cost
    // more than the copy itself.
    for (let c = 0; c < text.length; c++) this.scratch[this.used++] = text.charCodeAt(c);
  }

  private room(bytes: number): void {
    this.scratch = withRoom(this.scratch, this.used, bytes);
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
