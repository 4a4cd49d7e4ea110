import { seededRng } from '../../../daemon/cluster/random.js';

/** JSON texts for the jsonb canonicaliser's tests: edge cases, refused inputs, and seeded random ones. */

const LONG = `${'héllo 世界 ü '.repeat(2000)}`;

/** Valid JSON that jsonb stores; each with something jsonb prints differently (or exactly alike). */
export const EDGE: string[] = [
  '{}',
  '[]',
  '""',
  '0',
  '-0',
  '-0.0',
  'true',
  'false',
  'null',
  '"just a string"',
  '123.4500',
  '12345678901234567890123456789012345678901234567890',
  '-98765432109876543210',
  '[1e-20, 5E5, 0.10e1, 100e-2, -0, 1E+3, -1.5E-7, 0.000, 1e0, 2.50e-3, 0e5, -0e-3]',
  ' \t\r\n{ "a" : 1 ,\n\t"b"\r:\r[ 1 ,2 , { } , [ ] ] } \n',
  '{"b": 1, "a": 2, "a": 3}',
  '{"a": 1, "a": {"x": 1}, "b": 2, "a": [3]}',
  '{"aa": 1, "b": 2, "ab": 3, "B": 4, "": 5}',
  '{"ä": 1, "z": 2, "zz": 3, "é": 4, "中": 5, "🦀": 6, "a🦀": 7}',
  '{"a":{"bb":1,"c":2},"ä":1,"z":1}',
  '{"z": {"y": {"x": {"b": [{"d": 1, "c": 2}], "a": null}}}, "a": {"b": 1, "a": 2}}',
  '{"esc":"\\u00e9\\ud83e\\udd80\\n\\t\\"\\\\\\/ \\u001f\\b\\f\\r","emoji 🦀":"x","":""}',
  '"\\u00e9 \\ud83e\\udd80 \\/ \\u0041 \\u2028 \\u007f \\u0001"',
  '{"\\u00e9": 1, "é": 2, "\\ud83e\\udd80": 3, "\\n": 4, "a\\/b": 5}',
  '{"k\\"ey": "v\\\\", "k": "\\"\\"", "\\\\": "\\\\\\""}',
  '["\\\\", "\\\\\\\\", "a\\\\\\"b", "\\"\\\\"]',
  '{"status":"ok","summary":"résumé: 中文 ü — fine"}',
  '{"exit_code":0,"duration_ms":63230,"rss_mb":223}',
  '{"team":"ops","run":"0"}',
  `{"status":"ok","summary":"${LONG}"}`,
  `{"summary":"${LONG}","status":"ok","summary":"${LONG}x"}`,
  `{${Array.from({ length: 80 }, (_, i) => `"k${(i * 37) % 50}": ${i}`).join(', ')}}`,
  `[${Array.from({ length: 3000 }, (_, i) => `{"v${i % 7}": ${i}, "k": "${i}"}`).join(',')}]`,
  JSON.stringify(
    Array.from({ length: 60 }).reduce<unknown>((inner, _, i) => ({ [`level${i}`]: inner, i }), {
      leaf: '🦀',
    }),
  ),
];

/** Not JSON, or JSON that jsonb refuses: each one a check the canonicaliser makes itself. */
export const INVALID: string[] = [
  '',
  '   ',
  '"abc',
  '{"a": "b}',
  '"\\"',
  '{"a": 1} x',
  '[1] ]',
  '01',
  '1.',
  '.5',
  '-',
  '+1',
  '1e',
  '1e+',
  '0x10',
  'tru',
  'nul',
  'True',
  'NaN',
  '"\\u0000"',
  '{"a\\u0000": 1}',
  '"\\ud800"',
  '"\\udc00x"',
  '"\\ud83e\\u0041"',
  '{"\\udd80": 1}',
  '"\\x"',
  '"\\u12"',
  '{"a" 1}',
  '{"a": 1 "b": 2}',
  '[1 2]',
  '{"a": 1,}',
  '[1,]',
  '{1: 2}',
  '{"a"}',
  '{',
  '[',
  '{"a": [1, {"b": }]}',
];

/** String bodies as written in JSON: few keys, so duplicates and reordering are frequent. */
const KEYS = ['a', 'b', 'aa', 'ab', 'B', '', 'é', 'ä', 'z', '中文', '🦀', 'status', 'summary', 'exit_code'];
const KEY_ESCAPES = ['\\u00e9', 'a\\/b', 'k\\"q', 'x\\ny', '\\ud83e\\udd80'];
const PARTS = ['ok', 'héllo', '世界', '🦀', 'ü', ' ', 'plain text ', '\u2028', '\u007f'];
const ESCAPES = [
  '\\n',
  '\\t',
  '\\"',
  '\\\\',
  '\\/',
  '\\b',
  '\\f',
  '\\r',
  '\\u00e9',
  '\\u001f',
  '\\ud83e\\udd80',
];
const NUMBERS = ['0', '-0', '7', '-12', '12345678901234567890123', '1.5', '-0.0', '1e-20', '5E5', '0.10e1'];
const MORE_NUMBERS = ['100e-2', '1E+3', '-1.5E-7', '3.14159', '0.000', '1e0', '2.50e-3', '63230', '-1e2'];
const SPACE = ['', '', '', '', ' ', '\n', '\t', '\r\n  '];

/** `count` random JSON texts from `seed`. */
export function generated(seed: number, count: number): string[] {
  const rand = seededRng(seed);
  const pick = <T>(from: T[]): T => from[Math.floor(rand() * from.length)] as T;
  const ws = (): string => pick(SPACE);
  const body = (): string => {
    let s = '';
    for (let n = Math.floor(rand() * 5); n > 0; n--) s += rand() < 0.3 ? pick(ESCAPES) : pick(PARTS);
    return s;
  };
  const scalar = (): string => {
    const r = rand();
    if (r < 0.35) return pick(rand() < 0.5 ? NUMBERS : MORE_NUMBERS);
    if (r < 0.85) return `"${body()}"`;
    return pick(['true', 'false', 'null']);
  };
  const value = (depth: number): string => {
    const r = rand();
    if (depth > 3 || r < 0.4) return scalar();
    const n = Math.floor(rand() * 6);
    if (r < 0.75) {
      const entries = Array.from({ length: n }, () => {
        const key = rand() < 0.15 ? pick(KEY_ESCAPES) : pick(KEYS);
        return `${ws()}"${key}"${ws()}:${ws()}${value(depth + 1)}${ws()}`;
      });
      return `{${entries.join(',') || ws()}}`;
    }
    return `[${Array.from({ length: n }, () => `${ws()}${value(depth + 1)}${ws()}`).join(',') || ws()}]`;
  };
  return Array.from({ length: count }, () => `${ws()}${value(0)}${ws()}`);
}
