const PIECE_BYTES = 1024 * 1024;

/** "PGCOPY\n\377\r\n\0", then flags and header-extension length, both 0. */
const HEADER = Buffer.from([
  0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00, 0, 0, 0, 0, 0, 0, 0, 0,
]);

/** PostgreSQL's epoch, 2000-01-01T00:00:00Z, in Unix milliseconds. */
const PG_EPOCH_MS = 946_684_800_000;
const TWO_32 = 2 ** 32;

/**
 * One COPY's data in PostgreSQL's binary format, collected in pieces of ~1 MB (a row may span
 * two). Binary rather than text: the server neither scans each value for escapes nor parses
 * integers and times (a COPY of the benchmark's tasks took 28 % less of the server's CPU,
 * docs/benchmarks.md), and here a text value is its length and its bytes, with nothing to escape.
 */
export class BinaryCopy {
  private readonly done: Buffer[] = [];
  private buffer = Buffer.allocUnsafe(PIECE_BYTES);
  private used = 0;

  constructor() {
    this.used = HEADER.copy(this.buffer, 0);
  }

  private room(bytes: number): Buffer {
    if (this.used + bytes > this.buffer.length) {
      this.flush();
      this.buffer = Buffer.allocUnsafe(Math.max(PIECE_BYTES, bytes));
    }
    return this.buffer;
  }

  private flush(): void {
    if (this.used) this.done.push(this.buffer.subarray(0, this.used));
    this.used = 0;
  }

  /** Starts a row of `fields` values. */
  row(fields: number): void {
    this.used = this.room(2).writeInt16BE(fields, this.used);
  }

  /** A NULL. */
  null(): void {
    this.used = this.room(4).writeInt32BE(-1, this.used);
  }

  /** A value sent as its bytes: text (UTF-8, checked by the caller) and bytea. */
  bytes(value: Buffer): void {
    const out = this.room(4 + value.length);
    this.used = out.writeInt32BE(value.length, this.used);
    this.used += value.copy(out, this.used);
  }

  /** Text given as a string, `bytes` long in UTF-8. */
  text(value: string, bytes: number): void {
    const out = this.room(4 + bytes);
    this.used = out.writeInt32BE(bytes, this.used);
    this.used += out.write(value, this.used, 'utf8');
  }

  /** jsonb: format version 1, then the JSON text, which the server parses. */
  jsonb(text: Buffer): void {
    const out = this.room(5 + text.length);
    this.used = out.writeInt32BE(text.length + 1, this.used);
    out[this.used++] = 1;
    this.used += text.copy(out, this.used);
  }

  int2(value: bigint): void {
    const out = this.room(6);
    this.used = out.writeInt16BE(Number(value), out.writeInt32BE(2, this.used));
  }

  int4(value: bigint): void {
    const out = this.room(8);
    this.used = out.writeInt32BE(Number(value), out.writeInt32BE(4, this.used));
  }

  int8(value: bigint): void {
    const out = this.room(12);
    this.used = this.int64(out, value, out.writeInt32BE(8, this.used));
  }

  bool(value: boolean): void {
    const out = this.room(5);
    this.used = out.writeInt32BE(1, this.used);
    out[this.used++] = value ? 1 : 0;
  }

  /** A double's 8 IEEE bytes, as given. */
  float8(ieee: Buffer): void {
    this.bytes(ieee);
  }

  /** A timestamptz: microseconds since PostgreSQL's epoch (the server checks its range). */
  timestamptz(epochMs: bigint): void {
    const out = this.room(12);
    // Within ±2^53 µs (±285 years of the epoch) in doubles; beyond, BigInt (the server refuses out of range).
    const us = (Number(epochMs) - PG_EPOCH_MS) * 1000;
    const at = out.writeInt32BE(8, this.used);
    this.used = Number.isSafeInteger(us)
      ? this.int64(out, us, at)
      : out.writeBigInt64BE((epochMs - BigInt(PG_EPOCH_MS)) * 1000n, at);
  }

  /**
   * A 64-bit integer, big-endian, at `at`: as two 32-bit halves when it is a safe integer (a double
   * holds it exactly), which is several times cheaper than writeBigInt64BE.
   */
  private int64(out: Buffer, value: bigint | number, at: number): number {
    const n = typeof value === 'number' ? value : Number(value);
    if (typeof value === 'bigint' && !Number.isSafeInteger(n)) return out.writeBigInt64BE(value, at);
    const high = Math.floor(n / TWO_32);
    return out.writeUInt32BE(n - high * TWO_32, out.writeInt32BE(high, at));
  }

  /** Ends the COPY (the trailer) and hands over its pieces. */
  finish(): Buffer[] {
    this.used = this.room(2).writeInt16BE(-1, this.used);
    this.flush();
    return this.done;
  }
}
