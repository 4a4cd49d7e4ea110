import { rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyStore } from '../../../daemon/store/copy/copy.js';
import { targetTables } from '../../../daemon/store/copy/tables.js';
import { keysSortAsBytes } from '../../../daemon/store/copy/verify.js';
import { createTestDatabase, migratedTestStore, type TestDatabase } from '../../helpers/postgres-db.js';
import { sqliteStore, tasksInEveryState } from './fixtures.js';

// The verification runs batch by batch during the copy; it must judge what PostgreSQL stored,
// not what was sent. Triggers in the target change one row and swallow another as they arrive.
describe('migrate copy: the verification checks the rows PostgreSQL stored', () => {
  let db: TestDatabase;
  let dir: string;
  let ids: string[];

  beforeAll(async () => {
    db = await createTestDatabase('aidos_copy_stored');
    dir = await mkdtemp(join(tmpdir(), 'aidos-copy-'));
    const source = await sqliteStore(join(dir, 'aidos.db'));
    ids = await tasksInEveryState(source, 2);
    await source.close();
    await (await migratedTestStore(db.url)).close();
  });

  afterAll(async () => {
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('names a row changed on its way in and a row that never arrived', async () => {
    const changed = ids[0] ?? '';
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      await client.query(`CREATE FUNCTION tamper() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN NEW.message := NEW.message || ' (changed)'; RETURN NEW; END $$`);
      await client.query(
        `CREATE TRIGGER tamper BEFORE INSERT ON tasks FOR EACH ROW WHEN (NEW.id = '${changed}') EXECUTE FUNCTION tamper()`,
      );
      await client.query(`CREATE FUNCTION swallow() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RETURN NULL; END $$`);
      // The second event in key order never lands.
      await client.query(
        'CREATE TRIGGER swallow BEFORE INSERT ON task_events FOR EACH ROW WHEN (NEW.id = 2) EXECUTE FUNCTION swallow()',
      );
    } finally {
      await client.end();
    }
    const report = await copyStore({
      from: dir,
      to: db.url,
      batch: 3,
      dryRun: false,
      verifyOnly: false,
      force: false,
      method: 'copy',
    });
    expect(report.verified).toBe(false);
    const tasks = report.tables.find((t) => t.table === 'tasks');
    expect(tasks?.verified).toBe(false);
    expect(tasks?.first_difference).toEqual({ key: changed, problem: 'differs' });
    const events = report.tables.find((t) => t.table === 'task_events');
    expect(events?.verified).toBe(false);
    expect(events?.first_difference).toEqual({ key: '2', problem: 'missing_in_target' });
    expect(events?.target_rows).toBe((events?.source_rows ?? 0) - 1);
    expect(
      report.tables.filter((t) => !['tasks', 'task_events'].includes(t.table)).every((t) => t.verified),
    ).toBe(true);
  });

  it('looks rows up key by key where the target collates keys unlike SQLite, and still verifies', async () => {
    const linguistic = await createTestDatabase(
      'aidos_copy_icu',
      "TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en' LOCALE 'C.UTF-8'",
    );
    const client = new pg.Client({ connectionString: linguistic.url });
    const bytewise = new pg.Client({ connectionString: db.url });
    try {
      await (await migratedTestStore(linguistic.url)).close();
      await client.connect();
      await bytewise.connect();
      const tables = await targetTables(client);
      const tasks = tables.find((t) => t.name === 'tasks');
      const events = tables.find((t) => t.name === 'task_events');
      if (!tasks || !events) throw new Error('no tasks or task_events table');
      expect(await keysSortAsBytes(client, tasks)).toBe(false);
      expect(await keysSortAsBytes(client, events)).toBe(true);
      expect(await keysSortAsBytes(bytewise, tasks)).toBe(true);
      const report = await copyStore({
        from: dir,
        to: linguistic.url,
        batch: 3,
        dryRun: false,
        verifyOnly: false,
        force: false,
        method: 'copy',
      });
      expect(report.verified).toBe(true);
    } finally {
      await client.end();
      await bytewise.end();
      await linguistic.drop();
    }
  });
});
