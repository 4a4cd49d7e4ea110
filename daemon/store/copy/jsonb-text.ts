import { AidosError } from '../../errors.js';
import { withRoom } from './buffer-room.js';

/**
 * Renders JSON text exactly as PostgreSQL prints the jsonb it parses from it (`jsonb::text`):
 * object keys de-duplicated (last wins) and sorted by byte length then bytes, ", " and ": "
 * separators, numbers as `numeric` prints them (exponents expanded, scale kept), jsonb's string
 * escapes. It lets the source side of the verification compute the canonical form on its own,
 * without asking the target. Numbers are handled as decimal text, never as doubles.
 */
export function jsonbText(source: string): string {
  return jsonbCanonical(Buffer.from(source, 'utf8')).toString('utf8');
}

/**
 * The same on UTF-8 bytes, in and out. The result is a view of a buffer reused by the next call:
 * a caller that keeps it copies it first (the row hash does, into its own scratch, which is why
 * this hands out a view rather than a fresh buffer per value).
 *
 * It checks the structure as it goes, and what jsonb refuses in escapes (NUL and lone surrogates,
 * which only `\u` escapes can make); JSON's structure is ASCII, so the multi-byte characters inside
 * strings pass through as bytes. A raw control character inside a string value is left to
 * PostgreSQL, which refuses it when it parses the value (the copy names the row): looking for one
 * here would read every string byte once more. Offsets in errors count bytes.
 */
export function jsonbCanonical(bytes: Buffer): Buffer {
  return canonicaliser.run(bytes);
}

const TRUE = Buffer.from('true');
const FALSE = Buffer.from('false');
const NULL = Buffer.from('null');
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
/** Below this many bytes a loop beats the native calls of `Buffer.copy` and `indexOf`. */
const SHORT_RUN = 32;

function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= 0x30 && c <= 0x39;
}

function copyBytes(from: Buffer, start: number, end: number, to: Buffer, at: number): void {
  if (end - start > SHORT_RUN) from.copy(to, at, start, end);
  else for (let k = start; k < end; k++) to[at++] = from[k] as number;
}

/**
 * Writes the canonical form straight into one growing buffer while it parses: plain strings (the
 * bulk of the bytes) are delimited with native `indexOf` once past a few bytes and copied as
 * bytes, never made JavaScript strings. An object's entries are rendered in source order; only when its keys are not already
 * strictly increasing (out of order, or duplicated) are the rendered entries permuted, through
 * `spare`.
 */
class Canonicaliser {
  private s: Buffer = Buffer.alloc(0);
  private pos = 0;
  private out: Buffer = Buffer.allocUnsafe(16 * 1024);
  private len = 0;
  private spare: Buffer = Buffer.allocUnsafe(16 * 1024);
  /** Where the next backslash is (−1: none), found once for all the strings before it. */
  private backslash = -2;
  /**
   * The entries of the objects being rendered, innermost last: where each key's decoded bytes are
   * (the input itself unless the key has escapes) and where its `"key": value` is in `out`.
   */
  private entries = 0;
  private readonly keyIn: Buffer[] = [];
  private readonly keyStart: number[] = [];
  private readonly keyEnd: number[] = [];
  private readonly entryStart: number[] = [];
  private readonly entryEnd: number[] = [];
  /** The reordering's permutation, kept for the next object. */
  private readonly order: number[] = [];
  /** Whether the string `closingQuote` last found holds no backslash. */
  private plain = true;

  run(bytes: Buffer): Buffer {
    this.s = bytes;
    this.pos = 0;
    this.len = 0;
    this.backslash = -2;
    this.entries = 0;
    this.space();
    this.value();
    this.space();
    if (this.pos !== bytes.length) this.fail('trailing characters');
    return this.out.subarray(0, this.len);
  }

  private fail(why: string): never {
    throw new AidosError('input', `invalid JSON at offset ${this.pos}: ${why}`);
  }

  private space(): void {
    const s = this.s;
    for (;;) {
      const c = s[this.pos];
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return;
      this.pos++;
    }
  }

  private value(): void {
    const c = this.s[this.pos];
    if (c === 0x7b) this.object();
    else if (c === 0x5b) this.array();
    else if (c === 0x22) this.string();
    else if (c === 0x74) this.word(TRUE);
    else if (c === 0x66) this.word(FALSE);
    else if (c === 0x6e) this.word(NULL);
    else this.number();
  }

  private word(word: Buffer): void {
    for (let k = 0; k < word.length; k++)
      if (this.s[this.pos + k] !== word[k]) this.fail('unexpected character');
    this.emit(word, 0, word.length);
    this.pos += word.length;
  }

  /** -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?, the longest prefix that matches, as a regex would take it. */
  private number(): void {
    const s = this.s;
    const start = this.pos;
    let p = start;
    if (s[p] === 0x2d) p++;
    if (s[p] === 0x30) p++;
    else if (isDigit(s[p])) while (isDigit(s[p])) p++;
    else this.fail('unexpected character');
    let integer = true;
    if (s[p] === 0x2e && isDigit(s[p + 1])) {
      for (p += 2; isDigit(s[p]); ) p++;
      integer = false;
    }
    if (s[p] === 0x65 || s[p] === 0x45) {
      let q = p + 1;
      if (s[q] === 0x2b || s[q] === 0x2d) q++;
      if (isDigit(s[q])) {
        while (isDigit(s[q])) q++;
        p = q;
        integer = false;
      }
    }
    this.pos = p;
    if (!integer) this.text(numericText(s.toString('latin1', start, p)), 'latin1');
    // An integer prints as written (JSON has no leading zeros), but for the sign of zero.
    else if (p - start === 2 && s[start] === 0x2d && s[start + 1] === 0x30) this.emit(s, start + 1, p);
    else this.emit(s, start, p);
  }

  /** After an opening bracket: whether the container is empty, and if so writes it closed. */
  private empty(close: number): boolean {
    this.space();
    if (this.s[this.pos] !== close) return false;
    this.pos++;
    this.byte(close);
    return true;
  }

  private object(): void {
    this.pos++;
    this.byte(0x7b);
    if (this.empty(0x7d)) return;
    const first = this.entries;
    let ordered = true;
    for (;;) {
      this.space();
      if (this.s[this.pos] !== 0x22) this.fail('expected a key');
      const n = this.entries++;
      if (n > first) this.pair(0x2c, 0x20);
      this.entryStart[n] = this.len;
      this.key(n);
      if (ordered && n > first && this.compareKeys(n - 1, n) >= 0) ordered = false;
      this.space();
      if (this.s[this.pos++] !== 0x3a) this.fail('expected ":"');
      this.pair(0x3a, 0x20);
      this.space();
      this.value();
      this.entryEnd[n] = this.len;
      this.space();
      const next = this.s[this.pos++];
      if (next === 0x7d) break;
      if (next !== 0x2c) this.fail('expected "," or "}"');
    }
    if (!ordered) this.reorder(first);
    this.entries = first;
    this.byte(0x7d);
  }

  /** Sorts the entries from `first` on by key, keeping the last of equal keys (jsonb's "last wins"). */
  private reorder(first: number): void {
    const count = this.entries - first;
    let order = this.order;
    if (count <= SHORT_RUN) {
      // Insertion sort: most objects are small, and it leaves equal keys in source order.
      for (let n = 0; n < count; n++) {
        let k = n;
        for (; k > 0 && this.compareKeys(order[k - 1] as number, first + n) > 0; k--)
          order[k] = order[k - 1] as number;
        order[k] = first + n;
      }
    } else {
      order = Array.from({ length: count }, (_, n) => first + n);
      order.sort((x, y) => this.compareKeys(x, y) || x - y);
    }
    const from = this.entryStart[first] as number;
    const size = this.len - from;
    this.spare = withRoom(this.spare, 0, size);
    copyBytes(this.out, from, this.len, this.spare, 0);
    this.len = from;
    // Equal keys are in source order, so the one that wins is the last of its run.
    for (let k = 0; k < count; k++) {
      const i = order[k] as number;
      if (k + 1 < count && this.compareKeys(i, order[k + 1] as number) === 0) continue;
      if (this.len > from) this.pair(0x2c, 0x20);
      this.emit(this.spare, (this.entryStart[i] as number) - from, (this.entryEnd[i] as number) - from);
    }
  }

  /** jsonb's key order: byte length, then bytes. */
  private compareKeys(x: number, y: number): number {
    const xs = this.keyStart[x] as number;
    const xe = this.keyEnd[x] as number;
    const ys = this.keyStart[y] as number;
    const ye = this.keyEnd[y] as number;
    if (xe - xs !== ye - ys) return xe - xs - (ye - ys);
    return (this.keyIn[x] as Buffer).compare(this.keyIn[y] as Buffer, ys, ye, xs, xe);
  }

  private array(): void {
    this.pos++;
    this.byte(0x5b);
    if (this.empty(0x5d)) return;
    for (let first = true; ; first = false) {
      this.space();
      if (!first) this.pair(0x2c, 0x20);
      this.value();
      this.space();
      const next = this.s[this.pos++];
      if (next === 0x5d) break;
      if (next !== 0x2c) this.fail('expected "," or "]"');
    }
    this.byte(0x5d);
  }

  /** A string value: without escapes it needs none of jsonb's either, and is copied as it is. */
  private string(): void {
    const end = this.closingQuote();
    if (!this.plain) this.text(quote(this.decode(end)), 'utf8');
    else this.emit(this.s, this.pos, end + 1);
    this.pos = end + 1;
  }

  /** Entry n's key, written quoted; its decoded bytes recorded for the ordering. */
  private key(n: number): void {
    const s = this.s;
    const end = this.closingQuote();
    if (!this.plain) {
      const decoded = this.decode(end);
      const bytes = Buffer.from(decoded, 'utf8');
      this.keyIn[n] = bytes;
      this.keyStart[n] = 0;
      this.keyEnd[n] = bytes.length;
      this.text(quote(decoded), 'utf8');
    } else {
      this.keyIn[n] = s;
      this.keyStart[n] = this.pos + 1;
      this.keyEnd[n] = end;
      // jsonb escapes a raw control character in a key as in any string it prints (PostgreSQL
      // refuses one when it parses, but the output stays the one it would print).
      let control = false;
      for (let k = this.pos + 1; k < end && !control; k++) control = (s[k] as number) < 0x20;
      if (control) this.text(quote(s.toString('latin1', this.pos + 1, end)), 'latin1');
      else this.emit(s, this.pos, end + 1);
    }
    this.pos = end + 1;
  }

  /**
   * The closing quote of the string at pos: the next '"' preceded by an even number of backslashes;
   * `plain` says whether the string holds none.
   */
  private closingQuote(): number {
    const s = this.s;
    // Keys and most short values end before a native call would have returned.
    const stop = Math.min(this.pos + 1 + SHORT_RUN, s.length);
    for (let k = this.pos + 1; k < stop; k++) {
      const c = s[k];
      if (c === 0x22) {
        this.plain = true;
        return k;
      }
      if (c === 0x5c) break;
    }
    let end = s.indexOf(0x22, this.pos + 1);
    for (;;) {
      if (end < 0) return this.fail('unterminated string');
      let backslashes = 0;
      while (s[end - 1 - backslashes] === 0x5c) backslashes++;
      if (backslashes % 2 === 0) break;
      end = s.indexOf(0x22, end + 1);
    }
    if (this.backslash !== -1 && this.backslash <= this.pos) this.backslash = s.indexOf(0x5c, this.pos);
    this.plain = this.backslash === -1 || this.backslash > end;
    return end;
  }

  /** The string literal from pos to `end` with escapes, decoded; refused where jsonb cannot store it. */
  private decode(end: number): string {
    let decoded: string;
    try {
      decoded = JSON.parse(this.s.toString('utf8', this.pos, end + 1)) as string;
    } catch (cause) {
      this.fail((cause as Error).message);
    }
    if (decoded.includes('\u0000') || LONE_SURROGATE.test(decoded)) {
      this.fail('\\u0000 or a lone surrogate, which jsonb cannot store');
    }
    return decoded;
  }

  private room(bytes: number): void {
    this.out = withRoom(this.out, this.len, bytes);
  }

  private byte(b: number): void {
    this.room(1);
    this.out[this.len++] = b;
  }

  private pair(a: number, b: number): void {
    this.room(2);
    this.out[this.len++] = a;
    this.out[this.len++] = b;
  }

  private emit(from: Buffer, start: number, end: number): void {
    const n = end - start;
    this.room(n);
    copyBytes(from, start, end, this.out, this.len);
    this.len += n;
  }

  private text(text: string, encoding: 'utf8' | 'latin1'): void {
    this.room(text.length * 3);
    this.len += this.out.write(text, this.len, encoding);
  }
}

const canonicaliser = new Canonicaliser();

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what jsonb escapes.
const NEEDS_ESCAPE = /["\\\u0000-\u001f]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: as above.
const ESCAPES = /["\\\u0000-\u001f]/g;
const SHORT: Record<string, string> = {
  '"': '\\"',
  '\\': '\\\\',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};

/** jsonb's escape_json: the two-character escapes, \u00XX for other control characters, all else as is. */
function quote(value: string): string {
  if (!NEEDS_ESCAPE.test(value)) return `"${value}"`;
  return `"${value.replace(ESCAPES, (c) => SHORT[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}"`;
}

/** A JSON number as PostgreSQL's numeric_out prints it: plain decimal, scale = fraction digits − exponent. */
export function numericText(lexeme: string): string {
  const match = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(lexeme);
  if (!match) throw new AidosError('input', `invalid JSON number ${lexeme}`);
  const whole = match[2] as string;
  const fraction = match[3] ?? '';
  const exponent = Number(match[4] ?? 0);
  const digits = whole + fraction;
  const point = whole.length + exponent;
  const scale = Math.max(0, fraction.length - exponent);
  let intPart: string;
  let fracPart: string;
  if (point <= 0) {
    intPart = '0';
    fracPart = '0'.repeat(-point) + digits;
  } else if (point >= digits.length) {
    intPart = digits + '0'.repeat(point - digits.length);
    fracPart = '';
  } else {
    intPart = digits.slice(0, point);
    fracPart = digits.slice(point);
  }
  fracPart = fracPart.padEnd(scale, '0').slice(0, scale);
  intPart = intPart.replace(/^0+(?=\d)/, '');
  const zero = /^0*$/.test(intPart + fracPart);
  return `${match[1] && !zero ? '-' : ''}${intPart}${fracPart ? `.${fracPart}` : ''}`;
}
