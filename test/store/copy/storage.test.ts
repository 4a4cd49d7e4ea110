import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { copyStore } from '../../../daemon/store/copy/copy.js';
import { createTestDatabase, migratedTestStore, type TestDatabase } from '../../helpers/postgres-db.js';
import { newTask } from '../contract/fixtures.js';
import { sqliteStore } from './fixtures.js';

async function sourceWith(messages: string[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'aidos-copy-storage-'));
  const store = await sqliteStore(join(dir, 'aidos.db'));
  for (const message of messages) await store.submitTask(newTask({ message }));
  await store.close();
  return dir;
}

async function read<R extends pg.QueryResultRow>(url: string, sql: string): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(sql)).rows;
  } finally {
    await client.end();
  }
}

const STORAGE_AND_COMPRESSION = `SELECT (SELECT attstorage FROM pg_attribute WHERE attrelid = 'tasks'::regclass AND attname = 'message') AS storage,
  count(*) FILTER (WHERE pg_column_compression(message) IS NOT NULL)::int AS compressed, count(*)::int AS n FROM tasks`;

describe('migrate copy: storage of large values', () => {
  const dirs: string[] = [];
  const dbs: TestDatabase[] = [];
  afterEach(async () => {
    for (const db of dbs.splice(0)) await db.drop();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  /** Copies a source holding `messages`; `prepare` runs on the target database first. */
  async function copy(messages: string[], prepare?: (url: string) => Promise<void>) {
    const dir = await sourceWith(messages);
    dirs.push(dir);
    const db = await createTestDatabase('aidos_copy_storage');
    dbs.push(db);
    await prepare?.(db.url);
    const report = await copyStore({
      from: dir,
      to: db.url,
      batch: 500,
      dryRun: false,
      verifyOnly: false,
      force: false,
      method: 'copy',
    });
    return { report, db };
  }

  it('loads values the server would not compress without trying, then restores the column for the daemon', async () => {
    // Random bytes in base64 do not compress: PostgreSQL would store every one of them as is.
    const { report, db } = await copy(Array.from({ length: 40 }, () => randomBytes(3000).toString('base64')));
    expect(report.verified).toBe(true);
    expect(report.uncompressed_columns).toContainEqual({
      table: 'tasks',
      column: 'message',
      large_values: 40,
      compressed: 0,
    });
    const [after] = await read<{ storage: string; compressed: number; n: number }>(
      db.url,
      STORAGE_AND_COMPRESSION,
    );
    // Back to EXTENDED (compress when large) for what the daemon writes next, and nothing left deferred.
    expect(after).toEqual({ storage: 'x', compressed: 0, n: 40 });
    expect(await read(db.url, 'SELECT * FROM aidos_copy_deferred')).toEqual([]);
  });

  it('keeps compressing a column whose sampled values compress', async () => {
    const { report, db } = await copy(Array.from({ length: 40 }, (_, i) => `step ${i}: `.repeat(400)));
    expect(report.verified).toBe(true);
    expect(report.uncompressed_columns.map((c) => `${c.table}.${c.column}`)).not.toContain('tasks.message');
    const [after] = await read<{ storage: string; compressed: number; n: number }>(
      db.url,
      STORAGE_AND_COMPRESSION,
    );
    expect(after).toEqual({ storage: 'x', compressed: 40, n: 40 });
  });

  it('puts back autovacuum settings a table had before the copy, and resets the ones it had not', async () => {
    const { report, db } = await copy(['one', 'two'], async (url) => {
      await (await migratedTestStore(url)).close();
      // A DBA's own tuning of one table (its TOAST table left alone).
      await read(url, "ALTER TABLE task_events SET (autovacuum_enabled = 'false')");
    });
    expect(report.verified).toBe(true);
    const options = await read<{ name: string; heap: string[] | null; toast: string[] | null }>(
      db.url,
      `SELECT c.relname AS name, c.reloptions AS heap, t.reloptions AS toast FROM pg_class c
       LEFT JOIN pg_class t ON t.oid = c.reltoastrelid WHERE c.relname IN ('tasks', 'task_events') ORDER BY 1`,
    );
    expect(options).toEqual([
      { name: 'task_events', heap: ['autovacuum_enabled=false'], toast: null },
      { name: 'tasks', heap: null, toast: null },
    ]);
  });
});
