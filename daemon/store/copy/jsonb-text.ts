import { AidosError } from '../../errors.js';

/**
 * Renders JSON text exactly as PostgreSQL prints the jsonb it parses from it (`jsonb::text`):
 * object keys de-duplicated (last wins) and sorted by byte length then bytes, ", " and ": "
 * separators, numbers as `numeric` prints them (exponents expanded, scale kept), jsonb's string
 * escapes. It lets the source side of the verification compute the canonical form on its own,
 * without asking the target. Numbers are handled as decimal text, never as doubles.
 */
export function jsonbText(source: string): string {
  return Buffer.from(jsonbBytes(Buffer.from(source, 'utf8').toString('latin1')), 'latin1').toString('utf8');
}

/**
 * The same on UTF-8 bytes held one byte per character (a `latin1` string: decoding and encoding
 * it are plain copies), in and out. It checks the structure as it goes, and what jsonb refuses in
 * escapes (NUL and lone surrogates, which only `\u` escapes can make); JSON's structure is ASCII,
 * so the multi-byte characters inside strings pass through untouched. A raw control character
 * inside a string is left to PostgreSQL, which refuses it when it parses the value (the copy
 * names the row): looking for one here would read every string byte once more.
 */
export function jsonbBytes(bytes: string): string {
  const parser = new Parser(bytes);
  parser.space();
  const out = parser.value();
  parser.space();
  if (parser.pos !== bytes.length) parser.fail('trailing characters');
  return out;
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

class Parser {
  pos = 0;
  /** Where the next backslash is (−1: none), found once for all the strings before it. */
  private backslash = -2;
  constructor(private readonly s: string) {}

  fail(why: string): never {
    throw new AidosError('input', `invalid JSON at offset ${this.pos}: ${why}`);
  }

  space(): void {
    while (this.pos < this.s.length) {
      const c = this.s.charCodeAt(this.pos);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return;
      this.pos++;
    }
  }

  value(): string {
    const c = this.s[this.pos];
    if (c === '{') return this.object();
    if (c === '[') return this.array();
    if (c === '"') return this.quotedString();
    for (const word of ['true', 'false', 'null']) {
      if (this.s.startsWith(word, this.pos)) {
        this.pos += word.length;
        return word;
      }
    }
    NUMBER.lastIndex = this.pos;
    const match = NUMBER.exec(this.s);
    if (!match) this.fail('unexpected character');
    this.pos += match[0].length;
    return numericText(match[0]);
  }

  private object(): string {
    this.pos++;
    const entries = new Map<string, string>();
    this.space();
    if (this.s[this.pos] === '}') {
      this.pos++;
      return '{}';
    }
    for (;;) {
      this.space();
      if (this.s[this.pos] !== '"') this.fail('expected a key');
      const key = this.stringBody().body;
      this.space();
      if (this.s[this.pos++] !== ':') this.fail('expected ":"');
      this.space();
      entries.delete(key);
      entries.set(key, this.value());
      this.space();
      const next = this.s[this.pos++];
      if (next === '}') break;
      if (next !== ',') this.fail('expected "," or "}"');
    }
    // One character per byte: length is the byte length, and < compares bytes.
    const keys = [...entries.keys()].sort((x, y) => x.length - y.length || (x < y ? -1 : x > y ? 1 : 0));
    return `{${keys.map((k) => `${quote(k)}: ${entries.get(k)}`).join(', ')}}`;
  }

  private array(): string {
    this.pos++;
    const items: string[] = [];
    this.space();
    if (this.s[this.pos] === ']') {
      this.pos++;
      return '[]';
    }
    for (;;) {
      this.space();
      items.push(this.value());
      this.space();
      const next = this.s[this.pos++];
      if (next === ']') break;
      if (next !== ',') this.fail('expected "," or "]"');
    }
    return `[${items.join(', ')}]`;
  }

  /** A string value as jsonb prints it. */
  private quotedString(): string {
    const { body, plain } = this.stringBody();
    // Without escapes and control characters the body needs none of jsonb's escapes either.
    return plain ? `"${body}"` : quote(body);
  }

  /** A JSON string literal at pos, decoded (as UTF-8 bytes); plain when it held no escape. */
  stringBody(): { body: string; plain: boolean } {
    const end = this.endOfString();
    const start = this.pos;
    const body = this.s.slice(start + 1, end);
    if (this.backslash !== -1 && this.backslash <= start) this.backslash = this.s.indexOf('\\', start);
    if (this.backslash === -1 || this.backslash > end) {
      this.pos = end + 1;
      return { body, plain: true };
    }
    let decoded: string;
    try {
      decoded = JSON.parse(Buffer.from(this.s.slice(start, end + 1), 'latin1').toString('utf8')) as string;
    } catch (cause) {
      this.fail((cause as Error).message);
    }
    if (decoded.includes('\u0000') || LONE_SURROGATE.test(decoded)) {
      this.fail('\\u0000 or a lone surrogate, which jsonb cannot store');
    }
    this.pos = end + 1;
    return { body: Buffer.from(decoded, 'utf8').toString('latin1'), plain: false };
  }

  /** The closing quote: the next '"' preceded by an even number of backslashes. */
  private endOfString(): number {
    let from = this.pos + 1;
    for (;;) {
      const quoteAt = this.s.indexOf('"', from);
      if (quoteAt < 0) return this.fail('unterminated string');
      let backslashes = 0;
      while (this.s.charCodeAt(quoteAt - 1 - backslashes) === 0x5c) backslashes++;
      if (backslashes % 2 === 0) return quoteAt;
      from = quoteAt + 1;
    }
  }
}

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
