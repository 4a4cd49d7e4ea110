import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAidos } from '../../helpers/cli.js';
import { AIDOS_BIN } from '../../helpers/daemon-process.js';
import { createTestDatabase, migratedTestStore, type TestDatabase } from '../../helpers/postgres-db.js';
import { waitFor } from '../../helpers/wait.js';
import { newTask } from '../contract/fixtures.js';
import { rawSqlite, sqliteStore, tasksInEveryState } from './fixtures.js';

const TASKS = 4000;

/** A store with enough rows that a copy in batches of 10 takes hundreds of transactions. */
async function populatedSource(dir: string): Promise<void> {
  const store = await sqliteStore(join(dir, 'aidos.db'));
  await tasksInEveryState(store);
  await store.close();
  const db = rawSqlite(join(dir, 'aidos.db'));
  const insert =
    db.prepare(`INSERT INTO tasks (id, profile, message, priority, state, attempt, max_attempts, timeout_ms,
    labels, run_after, created_at, updated_at, result) VALUES (?, 'p', ?, 0, 'succeeded', 1, 3, 60000, '{}', ?, ?, ?, ?)`);
  const event = db.prepare(
    "INSERT INTO task_events (task_id, at, kind, attempt, fence, detail) VALUES (?, ?, 'succeeded', 1, 1, '{}')",
  );
  db.transaction(() => {
    for (let i = 0; i < TASKS; i++) {
      const id = `bulk_${String(i).padStart(6, '0')}`;
      insert.run(
        id,
        `message ${i} ${'x'.repeat(i % 300)}`,
        i,
        i,
        i,
        JSON.stringify({ i, out: 'y'.repeat(i % 200) }),
      );
      event.run(id, i);
    }
  })();
  db.close();
}

async function query<T extends pg.QueryResultRow>(
  url: string,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/** The tasks and task_events indexes and constraints besides their primary keys, as the catalog defines them. */
async function secondaryObjects(url: string): Promise<string[]> {
  const rows = await query<{ def: string }>(
    url,
    `SELECT indexdef AS def FROM pg_indexes WHERE tablename IN ('tasks', 'task_events') AND indexname NOT LIKE '%_pkey'
     UNION ALL
     SELECT conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint
     WHERE conrelid IN ('tasks'::regclass, 'task_events'::regclass) AND contype IN ('f', 'u')
     ORDER BY 1`,
  );
  return rows.map((r) => r.def);
}

/** Each copied table's storage parameters, its TOAST table's prefixed `toast.` (null: none set). */
async function autovacuumOptions(url: string): Promise<Record<string, string[] | null>> {
  const rows = await query<{ name: string; options: string[] | null }>(
    url,
    `SELECT c.relname AS name,
       array_cat(c.reloptions, (SELECT array_agg('toast.' || o) FROM unnest(t.reloptions) o)) AS options
     FROM pg_class c LEFT JOIN pg_class t ON t.oid = c.reltoastrelid
     WHERE c.relname IN ('tasks', 'task_events') ORDER BY 1`,
  );
  return Object.fromEntries(rows.map((r) => [r.name, r.options]));
}

function summary(stdout: string): Record<string, unknown> & { tables: Record<string, unknown>[] } {
  const line = stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .find((l) => l.type === 'summary');
  if (!line) throw new Error(`no summary in ${stdout}`);
  return line as Record<string, unknown> & { tables: Record<string, unknown>[] };
}

describe('aidos migrate copy (CLI)', () => {
  let dir: string;
  const dbs: TestDatabase[] = [];
  const database = async () => {
    const db = await createTestDatabase('aidos_copy_cli');
    dbs.push(db);
    return db;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'aidos-copy-cli-'));
    await populatedSource(dir);
  });

  afterAll(async () => {
    for (const db of dbs) await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('kill -9 halfway leaves a resumable target; the rerun resumes and ends verified', async () => {
    const db = await database();
    const migrated = await database();
    await (await migratedTestStore(migrated.url)).close();
    const child = spawn(
      process.execPath,
      [AIDOS_BIN, 'migrate', 'copy', '--from', dir, '--to', db.url, '--batch', '10'],
      {
        stdio: 'ignore',
      },
    );
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const half = await waitFor(
      async () => {
        const rows = await query<{ rows_copied: string; done: boolean }>(
          db.url,
          "SELECT rows_copied::text, done FROM aidos_copy_state WHERE table_name = 'tasks'",
        ).catch(() => []);
        const tasks = rows[0];
        return tasks && Number(tasks.rows_copied) >= TASKS / 4 ? tasks : undefined;
      },
      60_000,
      'the copy to be a quarter through tasks',
    );
    child.kill('SIGKILL');
    await exited;
    expect(half.done).toBe(false);
    // What the state says is what is there: every committed batch, nothing of the killed one.
    const [state] = await query<{ rows_copied: string; n: string }>(
      db.url,
      "SELECT rows_copied::text, (SELECT count(*) FROM tasks)::text AS n FROM aidos_copy_state WHERE table_name = 'tasks'",
    );
    expect(state?.n).toBe(state?.rows_copied);
    expect(Number(state?.n)).toBeLessThan(TASKS);
    // The secondary indexes and the foreign key are built after the load: while it runs their
    // definitions wait in the target, and the killed copy left them there for the rerun.
    const deferred = await query<{ name: string }>(db.url, 'SELECT name FROM aidos_copy_deferred');
    expect(deferred.map((d) => d.name)).toEqual(expect.arrayContaining(['task_events_task_id_fkey']));
    expect(await secondaryObjects(db.url)).toEqual([]);
    // Autovacuum stays off for the loading tables until the rebuild puts their settings back.
    expect(await autovacuumOptions(db.url)).toEqual({
      task_events: ['autovacuum_enabled=false', 'toast.autovacuum_enabled=false'],
      tasks: ['autovacuum_enabled=false', 'toast.autovacuum_enabled=false'],
    });

    const rerun = await runAidos(
      ['migrate', 'copy', '--from', dir, '--to', db.url, '--batch', '500'],
      {},
      120_000,
    );
    expect(rerun.stderr).toBe('');
    expect(rerun.code).toBe(0);
    const report = summary(rerun.stdout);
    expect(report.mode).toBe('resumed');
    expect(report.verified).toBe(true);
    const tasks = report.tables.find((t) => t.table === 'tasks');
    expect(tasks?.source_rows).toBe(tasks?.target_rows);
    expect(Number(tasks?.copied_rows)).toBe(Number(tasks?.source_rows) - Number(state?.n));
    expect(report.deferred).toMatchObject({ rebuilt: deferred.length });
    expect(await secondaryObjects(db.url)).toEqual(await secondaryObjects(migrated.url));
    expect(await query(db.url, 'SELECT * FROM aidos_copy_deferred')).toEqual([]);
    expect(await autovacuumOptions(db.url)).toEqual(await autovacuumOptions(migrated.url));
    expect(await autovacuumOptions(db.url)).toEqual({ task_events: null, tasks: null });
    // And the planner has statistics for the copied tables (the copy ran ANALYZE).
    const [analyzed] = await query<{ n: string }>(
      db.url,
      "SELECT count(*)::text AS n FROM pg_stats WHERE tablename = 'tasks' AND attname = 'state'",
    );
    expect(analyzed?.n).toBe('1');

    // A row changed in the target afterwards is caught, with its key.
    await query(db.url, "UPDATE tasks SET message = message || '!' WHERE id = 'bulk_002345'");
    await query(db.url, "DELETE FROM task_events WHERE task_id = 'bulk_003000'");
    const check = await runAidos(
      ['migrate', 'copy', '--from', dir, '--to', db.url, '--verify-only', '--json'],
      {},
      120_000,
    );
    expect(check.code).toBe(65);
    expect(check.stderr).toContain('table tasks, first differing key bulk_002345 (differs)');
    const checked = summary(check.stdout);
    expect(checked.tables.find((t) => t.table === 'tasks')?.first_difference).toEqual({
      key: 'bulk_002345',
      problem: 'differs',
    });
    const events = checked.tables.find((t) => t.table === 'task_events');
    expect(events?.first_difference).toMatchObject({ problem: 'missing_in_target' });
    expect(events?.target_rows).toBe(Number(events?.source_rows) - 1);
  });

  it('refuses a non-empty target (changing nothing) unless --force, which replaces it', async () => {
    const db = await database();
    const store = await migratedTestStore(db.url);
    const existing = (await store.submitTask(newTask({ message: 'already here' }))).task;
    await store.close();

    const refused = await runAidos(['migrate', 'copy', '--from', join(dir, 'aidos.db'), '--to', db.url]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('the target is not empty (table');
    expect(refused.stderr).toContain('--force');
    expect(await query(db.url, 'SELECT id FROM tasks')).toEqual([{ id: existing.id }]);

    const dry = await runAidos(['migrate', 'copy', '--from', dir, '--to', db.url, '--dry-run', '--force']);
    expect(dry.code).toBe(0);
    expect(summary(dry.stdout).mode).toBe('dry_run');
    expect(await query(db.url, 'SELECT id FROM tasks')).toEqual([{ id: existing.id }]);

    const forced = await runAidos(['migrate', 'copy', '--from', dir, '--to', db.url, '--force'], {}, 120_000);
    expect(forced.code).toBe(0);
    expect(summary(forced.stdout)).toMatchObject({ mode: 'replaced', verified: true });
    expect(await query(db.url, 'SELECT id FROM tasks WHERE id = $1', [existing.id])).toEqual([]);
  });

  it('a value PostgreSQL refuses in a table read on the worker thread names its row, exits 78 and leaves nothing', async () => {
    const bad = await mkdtemp(join(tmpdir(), 'aidos-copy-bad-'));
    try {
      await populatedSource(bad);
      const raw = rawSqlite(join(bad, 'aidos.db'));
      // bulk_000002 is not in the storage sample (every ~20th row of 4,000): PostgreSQL finds it.
      raw.prepare("UPDATE tasks SET result = ? WHERE id = 'bulk_000002'").run('{"note": "a\tb"}');
      raw.close();
      const db = await database();
      const run = await runAidos(['migrate', 'copy', '--from', bad, '--to', db.url, '--batch', '500']);
      expect(run.code).toBe(78);
      expect(run.stderr).toMatch(
        /copying tasks \(row bulk_000002, column result\): PostgreSQL refused it: .*json/,
      );
      expect(await query(db.url, 'SELECT id FROM tasks')).toEqual([]);

      // A value the copy refuses itself, on the worker thread: the same message as on this one.
      const raw2 = rawSqlite(join(bad, 'aidos.db'));
      raw2
        .prepare("UPDATE tasks SET result = '{}', message = ? WHERE id = 'bulk_000002'")
        .run(Buffer.from([1, 2, 3]));
      raw2.close();
      const again = await runAidos([
        'migrate',
        'copy',
        '--from',
        bad,
        '--to',
        db.url,
        '--batch',
        '500',
        '--force',
      ]);
      expect(again.code).toBe(78);
      expect(again.stderr).toContain('tasks.message of row bulk_000002: a 3-byte blob where text belongs');
      expect(await query(db.url, 'SELECT id FROM tasks')).toEqual([]);
    } finally {
      rmSync(bad, { recursive: true, force: true });
    }
  });

  it('rejects bad arguments naming the flag', async () => {
    const db = await database();
    const bad = await runAidos(['migrate', 'copy', '--from', dir, '--to', db.url, '--batch', '0']);
    expect(bad.code).toBe(78);
    expect(bad.stderr).toContain('--batch');
    const notPg = await runAidos(['migrate', 'copy', '--from', dir, '--to', 'mysql://x']);
    expect(notPg.stderr).toContain('--to: must be a postgres://');
    const missing = await runAidos(['migrate', 'copy', '--from', join(dir, 'nope'), '--to', db.url]);
    expect(missing.stderr).toContain('does not exist');
  });
});
