import { AidosError } from '../../errors.js';

/**
 * Renders JSON text exactly as PostgreSQL prints the jsonb it parses from it (`jsonb::text`):
 * object keys de-duplicated (last wins) and sorted by byte length then bytes, ", " and ": "
 * separators, numbers as `numeric` prints them (exponents expanded, scale kept), jsonb's string
 * escapes. It lets the source side of the verification compute the canonical form on its own,
 * without asking the target. Numbers are handled as decimal text, never as doubles.
 */
export function jsonbText(source: string): string {
  const parser = new Parser(source);
  parser.space();
  const out = parser.value();
  parser.space();
  if (parser.pos !== source.length) parser.fail('trailing characters');
  return out;
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

class Parser {
  pos = 0;
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
    if (c === '"') return quote(this.string());
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
      const key = this.string();
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
    const keys = [...entries.keys()].map((k) => ({ k, b: Buffer.from(k, 'utf8') }));
    keys.sort((x, y) => x.b.length - y.b.length || Buffer.compare(x.b, y.b));
    return `{${keys.map(({ k }) => `${quote(k)}: ${entries.get(k)}`).join(', ')}}`;
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

  /** A JSON string literal at pos, decoded. */
  string(): string {
    const end = this.endOfString();
    const start = this.pos;
    this.pos = end + 1;
    const body = this.s.slice(start + 1, end);
    if (!body.includes('\\')) return body;
    return JSON.parse(this.s.slice(start, end + 1)) as string;
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
