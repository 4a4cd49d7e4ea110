import { isUtf8 } from 'node:buffer';
import * as crypto from 'node:crypto';
import { AidosError } from '../../errors.js';
import { type ScalarKind, type SqliteValue, scalarTexts, toPgText, type ValuePlace } from './convert.js';
import { jsonbBytes } from './jsonb-text.js';
import type { SqliteSource } from './source.js';
import { BYTE_KINDS, type ColumnKind, type TableSpec } from './tables.js';

const PIECE_BYTES = 1024 * 1024;

/** sha-256 hex of bytes: the one-shot `crypto.hash` where Node has it (20.12+), else a Hash object. */
const sha256Hex: (bytes: Buffer) => string =
  typeof (crypto as { hash?: unknown }).hash === 'function'
    ? (bytes) => crypto.hash('sha256', bytes, 'hex')
    : (bytes) => crypto.createHash('sha256').update(bytes).digest('hex');

/** COPY's text format as UTF-8 bytes, collected in pieces of ~1 MB (a line may span two). */
export class CopyPieces {
  readonly done: Buffer[] = [];
  private buffer = Buffer.allocUnsafe(PIECE_BYTES);
  private used = 0;

  private room(bytes: number): void {
    if (this.used + bytes <= this.buffer.length) return;
    this.flush();
    this.buffer = Buffer.allocUnsafe(Math.max(PIECE_BYTES, bytes));
  }

  /** Text that needs no COPY escape (numbers, times, \N, separators). */
  plain(text: string): void {
    this.room(text.length * 3);
    this.used += this.buffer.write(text, this.used, 'utf8');
  }

  /** Bytes with COPY's escapes for backslash, tab, newline and carriage return. */
  escaped(bytes: Buffer): void {
    if (
      bytes.indexOf(0x5c) < 0 &&
      bytes.indexOf(0x09) < 0 &&
      bytes.indexOf(0x0a) < 0 &&
      bytes.indexOf(0x0d) < 0
    ) {
      this.room(bytes.length);
      this.used += bytes.copy(this.buffer, this.used);
      return;
    }
    this.room(bytes.length * 2);
    const out = this.buffer;
    let at = this.used;
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i] as number;
      if (b === 0x5c || b === 0x09 || b === 0x0a || b === 0x0d) {
        out[at++] = 0x5c;
        out[at++] = b === 0x5c ? 0x5c : b === 0x09 ? 0x74 : b === 0x0a ? 0x6e : 0x72;
      } else out[at++] = b;
    }
    this.used = at;
  }

  flush(): void {
    if (this.used) this.done.push(this.buffer.subarray(0, this.used));
    this.used = 0;
  }
}

/**
 * One table's rows, as the source reads them (text, JSON and blob columns as raw bytes, then a
 * mask of the values whose SQLite type does not fit their column, then the key), turned into
 * COPY text and into the row hash of the verification: `N` for NULL or `<byte length>:<canonical
 * bytes>` per column, sha-256 (the same encoding `rowHashSql` has PostgreSQL compute). Text is
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

  /** The row's hash (hex); with `out`, its COPY line appended there too. */
  encode(row: SqliteValue[], out: CopyPieces | null): string {
    const n = this.kinds.length;
    if (row[n] !== 0n && row[n] !== 0) this.refuseRow(row);
    this.row = row;
    this.used = 0;
    for (let i = 0; i < n; i++) {
      if (i > 0) out?.plain('\t');
      const value = row[i] ?? null;
      if (value === null) {
        this.hashText('N');
        out?.plain('\\N');
        continue;
      }
      const kind = this.kinds[i] as ColumnKind;
      if (BYTE_KINDS.has(kind)) this.bytesValue(value as Buffer, kind, i, out);
      else {
        const [text, canonical] = scalarTexts(value, kind as ScalarKind, this.place(i));
        this.hashText(`${canonical.length}:${canonical}`);
        out?.plain(text);
      }
    }
    out?.plain('\n');
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

  private bytesValue(bytes: Buffer, kind: ColumnKind, i: number, out: CopyPieces | null): void {
    if (kind === 'bytea') {
      const hex = bytes.toString('hex');
      this.hashText(`${hex.length}:${hex}`);
      out?.plain(`\\\\x${hex}`);
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
      this.hashText(`${canonical.length}:`);
      this.hashText(canonical);
    } else {
      this.hashText(`${bytes.length}:`);
      this.room(bytes.length);
      this.used += bytes.copy(this.scratch, this.used);
    }
    out?.escaped(bytes);
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
