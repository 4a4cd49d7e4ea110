import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AidosError } from '../../../daemon/errors.js';
import { jsonbCanonical, jsonbText } from '../../../daemon/store/copy/jsonb-text.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/postgres-db.js';
import { EDGE, generated, INVALID } from './jsonb-cases.js';

function refusal(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('jsonbCanonical: the bytes PostgreSQL prints for a jsonb', () => {
  let db: TestDatabase;
  let client: pg.Client;

  beforeAll(async () => {
    db = await createTestDatabase('aidos_jsonb');
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
  });

  afterAll(async () => {
    await client?.end();
    await db?.drop();
  });

  async function printed(raw: string): Promise<string> {
    return (await client.query('SELECT $1::jsonb::text AS t', [raw])).rows[0].t;
  }

  it('prints the edge cases and 400 generated texts exactly as the server does', async () => {
    const texts = [...EDGE, ...generated(20260302, 400)];
    for (const raw of texts) {
      const expected = await printed(raw);
      expect(jsonbCanonical(Buffer.from(raw, 'utf8')).toString('utf8'), raw.slice(0, 200)).toBe(expected);
      expect(jsonbText(raw)).toBe(expected);
    }
  });

  it('refuses what the server refuses, as input errors with a byte offset', async () => {
    for (const raw of INVALID) {
      const error = refusal(() => jsonbCanonical(Buffer.from(raw, 'utf8')));
      expect(error, raw).toBeInstanceOf(AidosError);
      expect((error as AidosError).kind).toBe('input');
      expect((error as AidosError).message, raw).toMatch(/^invalid JSON at offset \d+: /);
      await expect(printed(raw), raw).rejects.toThrow();
    }
  });

  it('counts offsets in bytes and says what it expected', () => {
    const cases: [string, string][] = [
      ['"中文', 'invalid JSON at offset 0: unterminated string'],
      ['{"é": 1} x', 'invalid JSON at offset 10: trailing characters'],
      ['[1 2]', 'invalid JSON at offset 4: expected "," or "]"'],
      ['{"a": 1 "b": 2}', 'invalid JSON at offset 9: expected "," or "}"'],
      ['{"a" 1}', 'invalid JSON at offset 6: expected ":"'],
      ['{"a": -}', 'invalid JSON at offset 6: unexpected character'],
      [
        '["🦀", "\\u0000"]',
        'invalid JSON at offset 9: \\u0000 or a lone surrogate, which jsonb cannot store',
      ],
      ['{"\\ud800": 1}', 'invalid JSON at offset 1: \\u0000 or a lone surrogate, which jsonb cannot store'],
    ];
    for (const [raw, message] of cases)
      expect((refusal(() => jsonbCanonical(Buffer.from(raw, 'utf8'))) as Error).message).toBe(message);
  });

  it('reuses its buffer: a copied result survives the next calls, however large', () => {
    const first = jsonbCanonical(Buffer.from('{"b": 1, "a": "é"}'));
    const kept = Buffer.from(first);
    const big = `{"z": "${'ü'.repeat(100_000)}", "a": [${'1,'.repeat(50_000)}2]}`;
    const second = jsonbCanonical(Buffer.from(big));
    expect(second.toString('utf8')).toBe(jsonbText(big));
    expect(refusal(() => jsonbCanonical(Buffer.from('{"a": "unterminated')))).toBeInstanceOf(AidosError);
    jsonbCanonical(Buffer.from('{"c": 3}'));
    expect(kept.toString('utf8')).toBe('{"a": "é", "b": 1}');
  });
});
