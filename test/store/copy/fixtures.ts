import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { loadSqlite } from '../../../daemon/store/drivers.js';
import type { Store } from '../../../daemon/store/facets.js';
import { defaultMigrationsRoot } from '../../../daemon/store/migrate/files.js';
import { MigrationRunner } from '../../../daemon/store/migrate/runner.js';
import { SqliteStore } from '../../../daemon/store/sqlite/sqlite-store.js';
import { healthRow, newTask } from '../contract/fixtures.js';

/** A SQLite store at `path`, migrated with the migrations under `root`. */
export async function sqliteStore(path: string, root = defaultMigrationsRoot()): Promise<SqliteStore> {
  const store = new SqliteStore({ path, busyTimeoutMs: 5000 });
  await new MigrationRunner(store.migrations, join(root, 'sqlite')).up();
  return store;
}

/** A plain connection to the file, for rows the store API cannot write (odd values, bulk). */
export function rawSqlite(path: string): Database.Database {
  const db = new (loadSqlite())(path);
  db.pragma('foreign_keys = ON');
  return db;
}

/**
 * The project's migrations plus a test-only 9002 with a blob column on both sides: the schema
 * has no binary column yet, and blob → bytea must still round-trip.
 */
export function migrationsWithBlobs(): string {
  const root = mkdtempSync(join(tmpdir(), 'aidos-mig-'));
  cpSync(defaultMigrationsRoot(), root, { recursive: true });
  mkdirSync(join(root, 'sqlite'), { recursive: true });
  writeFileSync(
    join(root, 'sqlite', '9002_test_blobs.sql'),
    'CREATE TABLE blobs (id INTEGER PRIMARY KEY, data BLOB);\n',
  );
  writeFileSync(
    join(root, 'postgres', '9002_test_blobs.sql'),
    'CREATE TABLE blobs (id bigint PRIMARY KEY, data bytea);\n',
  );
  return root;
}

/** Tasks in every state, through the store API, with the events the store logs for each. */
export async function tasksInEveryState(store: Store, count = 1): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const queued = (await store.submitTask(newTask({ message: `queued ${i}`, labels: { team: 'ops' } })))
      .task;
    const cancelled = (await store.submitTask(newTask({ message: `cancel ${i}` }))).task;
    await store.requestCancel(cancelled.id, 'n1', 'not needed');
    const others = [];
    for (const state of ['running', 'succeeded', 'failed', 'dead', 'retried'] as const)
      others.push({
        state,
        task: (await store.submitTask(newTask({ message: `${state} ${i}`, priority: 5, max_attempts: 1 })))
          .task,
      });
    const claimed = await store.claimTasks('n1', others.length, 60_000);
    for (const { state } of others) {
      const run = claimed.find((c) => c.message === `${state} ${i}`);
      if (!run || state === 'running') continue;
      const next = state === 'retried' ? 'failed' : state;
      await store.completeRun({
        id: run.id,
        fence: run.fence,
        node_id: 'n1',
        next,
        event: next,
        result: { ok: state === 'succeeded', n: i },
        ...(next !== 'succeeded' ? { error: `${state}!` } : {}),
      });
      if (state === 'retried') await store.retryTask(run.id, 'n1');
    }
    const running = claimed.find((c) => c.message === `running ${i}`);
    if (running) await store.appendTaskEvent(running.id, 'started', 'n1', { pid: 4242 });
    ids.push(queued.id, cancelled.id, ...others.map((o) => o.task.id));
  }
  await store.insertHealthResults([
    healthRow(),
    healthRow({ status: 'fail', observed_value: null, output: 'down' }),
  ]);
  await store.registerNode({
    id: 'n1',
    address: '127.0.0.1:7420',
    roles: ['api', 'worker'],
    version: '0.1.0',
    meta: { pid: 1 },
  });
  return ids;
}
