import { readdirSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AidosError } from '../../daemon/errors.js';
import type { Store } from '../../daemon/store/facets.js';
import { checksumOf, defaultMigrationsRoot } from '../../daemon/store/migrate/files.js';
import { MigrationRunner } from '../../daemon/store/migrate/runner.js';
import { PostgresStore } from '../../daemon/store/postgres/pg-store.js';
import { SqliteStore } from '../../daemon/store/sqlite/sqlite-store.js';
import { type CliResult, runAidos } from '../helpers/cli.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres-db.js';

/** One empty database of a dialect, reachable by the store, by raw SQL and by the CLI. */
interface Target {
  store: Store;
  /** CLI flags that select this database. */
  cliArgs: string[];
  tableExists(name: string): Promise<boolean>;
  history(): Promise<
    { version: number; name: string; checksum: string; applied_at: number; duration_ms: number }[]
  >;
  /** Runs raw SQL (to tamper with history). */
  exec(sql: string): Promise<void>;
}

interface Dialect {
  name: 'sqlite' | 'postgres';
  fresh(): Promise<Target>;
}

let tmp: string;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'aidos-mig-'));
});

afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

let counter = 0;

const sqlite: Dialect = {
  name: 'sqlite',
  fresh: async () => {
    const dataDir = join(tmp, `sqlite-${++counter}`);
    const path = join(dataDir, 'aidos.db');
    const store = new SqliteStore({ path, busyTimeoutMs: 5_000 });
    const raw = () => new Database(path, { timeout: 5_000 });
    cleanups.push(() => store.close());
    return {
      store,
      cliArgs: ['--data-dir', dataDir],
      tableExists: async (name) => {
        const db = raw();
        try {
          return !!db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name);
        } finally {
          db.close();
        }
      },
      history: async () => {
        const db = raw();
        try {
          return db.prepare('SELECT * FROM aidos_migrations ORDER BY version').all() as Awaited<
            ReturnType<Target['history']>
          >;
        } finally {
          db.close();
        }
      },
      exec: async (sql) => {
        const db = raw();
        try {
          db.exec(sql);
        } finally {
          db.close();
        }
      },
    };
  },
};

const postgres: Dialect = {
  name: 'postgres',
  fresh: async () => {
    const db: TestDatabase = await createTestDatabase('aidos_mig');
    const store = new PostgresStore({
      url: db.url,
      poolMax: 4,
      idleTimeoutMs: 10_000,
      statementTimeoutMs: 10_000,
      connectTimeoutMs: 5_000,
      applicationName: 'aidos-migration-test',
    });
    cleanups.push(async () => {
      await store.close();
      await db.drop();
    });
    const query = async (sql: string, params: unknown[] = []) => {
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      try {
        return (await client.query(sql, params)).rows;
      } finally {
        await client.end();
      }
    };
    return {
      store,
      cliArgs: ['--db', db.url],
      tableExists: async (name) => (await query('SELECT to_regclass($1) AS t', [name]))[0].t !== null,
      history: async () =>
        (await query('SELECT * FROM aidos_migrations ORDER BY version')).map((r) => ({
          version: Number(r.version),
          name: String(r.name),
          checksum: String(r.checksum),
          applied_at: Number(r.applied_at),
          duration_ms: Number(r.duration_ms),
        })),
      exec: async (sql) => {
        await query(sql);
      },
    };
  },
};

/** Versions of the migrations the project ships for a dialect (test files use 9xxx, after them). */
function shipped(dialect: string): number[] {
  return readdirSync(join(defaultMigrationsRoot(), dialect))
    .filter((f) => /^\d{4}_.*\.sql$/.test(f))
    .map((f) => Number(f.slice(0, 4)))
    .sort((a, b) => a - b);
}

/** A private copy of a dialect's migrations folder that a test may edit. */
async function copyMigrations(dialect: string): Promise<string> {
  const folder = join(tmp, `files-${++counter}`);
  await cp(join(defaultMigrationsRoot(), dialect), folder, { recursive: true });
  return folder;
}

async function caught(promise: Promise<unknown>): Promise<AidosError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(AidosError);
    return error as AidosError;
  }
  throw new Error('expected an AidosError');
}

function runCli(args: string[]): Promise<CliResult> {
  return runAidos(args, { AIDOS_LOG_LEVEL: 'warn' });
}

describe('migrate CLI against an unusable store', () => {
  it('exits 69 with one line naming the PostgreSQL store it cannot reach', async () => {
    const { freePort } = await import('../helpers/postgres-server.js');
    const port = await freePort();
    const run = await runCli([
      'migrate',
      'up',
      '--db',
      `postgres://aidos:secret@127.0.0.1:${port}/aidos`,
      '--json',
    ]);
    expect(run.code).toBe(69);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`127.0.0.1:${port}`);
    expect(lines[0]).not.toContain('secret');
  });
});

for (const dialect of [sqlite, postgres]) {
  describe(`migrations on ${dialect.name}`, () => {
    it('applies every migration once and records version, name, checksum, time and duration', async () => {
      const t = await dialect.fresh();
      const folder = join(defaultMigrationsRoot(), dialect.name);
      const runner = new MigrationRunner(t.store.migrations, folder);
      const pending = await runner.status();
      expect(pending.length).toBeGreaterThan(0);
      expect(pending.every((r) => r.state === 'pending' && r.applied_at === null)).toBe(true);
      const before = Date.now();
      const applied = await runner.up();
      expect(applied.map((r) => r.version)).toEqual(pending.map((r) => r.version));
      const history = await t.history();
      const sql = await readFile(join(folder, '0001_initial.sql'), 'utf8');
      expect(history[0]).toMatchObject({ version: 1, name: 'initial', checksum: checksumOf(sql) });
      for (const row of history) {
        expect(row.applied_at).toBeGreaterThanOrEqual(before);
        expect(row.applied_at).toBeLessThanOrEqual(Date.now());
        expect(row.duration_ms).toBeGreaterThanOrEqual(0);
      }
      for (const table of ['nodes', 'tasks', 'task_events', 'health_results', 'chaos_runs'])
        expect(await t.tableExists(table)).toBe(true);
      // A second up is a no-op.
      expect(await runner.up()).toEqual([]);
      expect(await t.history()).toEqual(history);
      const status = await runner.status();
      expect(status.every((r) => r.state === 'applied')).toBe(true);
      expect(status[0]).toMatchObject({ version: 1, name: 'initial', checksum: checksumOf(sql) });
      expect(await runner.verify()).toEqual(status);
    });

    it('refuses a changed file, naming it, and applies nothing', async () => {
      const t = await dialect.fresh();
      const folder = await copyMigrations(dialect.name);
      await new MigrationRunner(t.store.migrations, folder).up();
      const history = await t.history();
      await writeFile(
        join(folder, '0001_initial.sql'),
        `${await readFile(join(folder, '0001_initial.sql'), 'utf8')}\n-- edited\n`,
      );
      await writeFile(join(folder, '9002_later.sql'), 'CREATE TABLE later_one (id INTEGER PRIMARY KEY);\n');
      const runner = new MigrationRunner(t.store.migrations, folder);
      for (const op of [() => runner.up(), () => runner.verify()]) {
        const error = await caught(op());
        expect(error.kind).toBe('migration');
        expect(error.message).toContain('0001_initial.sql');
        expect(error.message).toContain('checksum');
        expect(error.message).not.toContain('\n');
      }
      expect((await runner.status()).find((r) => r.version === 1)!.state).toBe('changed');
      expect(await t.tableExists('later_one')).toBe(false);
      expect(await t.history()).toEqual(history);
    });

    it('refuses a missing file, naming it', async () => {
      const t = await dialect.fresh();
      const folder = await copyMigrations(dialect.name);
      await writeFile(join(folder, '9002_extra.sql'), 'CREATE TABLE extra_one (id INTEGER PRIMARY KEY);\n');
      await new MigrationRunner(t.store.migrations, folder).up();
      await unlink(join(folder, '9002_extra.sql'));
      await writeFile(join(folder, '9003_next.sql'), 'CREATE TABLE next_one (id INTEGER PRIMARY KEY);\n');
      const runner = new MigrationRunner(t.store.migrations, folder);
      const error = await caught(runner.up());
      expect(error.kind).toBe('migration');
      expect(error.message).toContain('9002_extra.sql');
      expect(error.message).toContain('missing');
      expect(await t.tableExists('next_one')).toBe(false);
      expect((await t.history()).map((h) => h.version)).toEqual([...shipped(dialect.name), 9002]);
      await expect(runner.verify()).rejects.toThrow('9002_extra.sql');
    });

    it('refuses an out-of-order file, naming it', async () => {
      const t = await dialect.fresh();
      const folder = await copyMigrations(dialect.name);
      await writeFile(join(folder, '9003_third.sql'), 'CREATE TABLE third_one (id INTEGER PRIMARY KEY);\n');
      await new MigrationRunner(t.store.migrations, folder).up();
      await writeFile(join(folder, '9002_second.sql'), 'CREATE TABLE second_one (id INTEGER PRIMARY KEY);\n');
      const runner = new MigrationRunner(t.store.migrations, folder);
      const error = await caught(runner.up());
      expect(error.kind).toBe('migration');
      expect(error.message).toContain('9002_second.sql');
      expect(error.message).toContain('out of order');
      expect(await t.tableExists('second_one')).toBe(false);
      expect((await t.history()).map((h) => h.version)).toEqual([...shipped(dialect.name), 9003]);
      await expect(runner.verify()).rejects.toThrow('9002_second.sql');
    });

    it('rolls a failing migration back completely', async () => {
      const t = await dialect.fresh();
      const folder = await copyMigrations(dialect.name);
      await writeFile(
        join(folder, '9002_broken.sql'),
        'CREATE TABLE half_applied (id INTEGER PRIMARY KEY);\nINSERT INTO half_applied (id) VALUES (1);\nINSERT INTO no_such_table VALUES (1);\n',
      );
      const runner = new MigrationRunner(t.store.migrations, folder);
      const error = await caught(runner.up());
      expect(error.kind).toBe('migration');
      expect(error.message).toContain('9002_broken.sql');
      expect(error.message).toContain('rolled back');
      expect(await t.tableExists('half_applied')).toBe(false);
      expect((await t.history()).map((h) => h.version)).toEqual(shipped(dialect.name));
      expect((await runner.status()).find((r) => r.version === 9002)!.state).toBe('pending');
      // The store is still usable after the rollback.
      expect(await t.store.countTasksByState()).toMatchObject({ queued: 0 });
    });

    it('aidos migrate status|up|verify --json', async () => {
      const t = await dialect.fresh();
      const status = await runCli(['migrate', 'status', ...t.cliArgs, '--json']);
      expect(status.code, status.stderr).toBe(0);
      const before = JSON.parse(status.stdout);
      expect(before.store).toContain(dialect.name === 'sqlite' ? 'sqlite:' : 'postgres');
      expect(before.store).not.toContain('postgres:postgres@');
      expect(before.migrations[0]).toEqual({
        version: 1,
        name: 'initial',
        state: 'pending',
        checksum: expect.stringMatching(/^[0-9a-f]{64}$/),
        applied_at: null,
        duration_ms: null,
      });
      const up = await runCli(['migrate', 'up', ...t.cliArgs, '--json']);
      expect(up.code, up.stderr).toBe(0);
      const applied = JSON.parse(up.stdout);
      expect(applied.migrations.map((m: { version: number }) => m.version)).toEqual(
        before.migrations.map((m: { version: number }) => m.version),
      );
      expect(applied.migrations[0]).toMatchObject({ version: 1, name: 'initial', state: 'applied' });
      expect(typeof applied.migrations[0].applied_at).toBe('number');
      expect(typeof applied.migrations[0].duration_ms).toBe('number');
      const again = await runCli(['migrate', 'up', ...t.cliArgs, '--json']);
      expect(JSON.parse(again.stdout).migrations).toEqual([]);
      const verify = await runCli(['migrate', 'verify', ...t.cliArgs, '--json']);
      expect(verify.code, verify.stderr).toBe(0);
      expect(
        JSON.parse(verify.stdout).migrations.every((m: { state: string }) => m.state === 'applied'),
      ).toBe(true);
      // Tamper with the recorded checksum: verify and status exit 65 naming the file.
      await t.exec("UPDATE aidos_migrations SET checksum = 'bad' WHERE version = 1");
      const bad = await runCli(['migrate', 'verify', ...t.cliArgs, '--json']);
      expect(bad.code).toBe(65);
      expect(bad.stderr.trim().split('\n')).toHaveLength(1);
      expect(bad.stderr).toContain('0001_initial.sql');
      const badStatus = await runCli(['migrate', 'status', ...t.cliArgs, '--json']);
      expect(badStatus.code).toBe(65);
      expect(JSON.parse(badStatus.stdout).migrations[0].state).toBe('changed');
    });

    it('concurrent runners over several files apply each exactly once, in order', async () => {
      const t = await dialect.fresh();
      const folder = await copyMigrations(dialect.name);
      for (const v of [2, 3, 4, 5])
        await writeFile(
          join(folder, `900${v}_step_${v}.sql`),
          `CREATE TABLE step_${v} (id INTEGER PRIMARY KEY);\n`,
        );
      const others: Store[] = [];
      if (dialect.name === 'postgres') {
        // Separate pools: separate sessions contend for the advisory lock.
        for (let i = 0; i < 4; i++) {
          const other = new PostgresStore({
            url: t.cliArgs[1] as string,
            poolMax: 2,
            idleTimeoutMs: 10_000,
            statementTimeoutMs: 10_000,
            connectTimeoutMs: 5_000,
            applicationName: 'aidos-migration-test',
          });
          others.push(other);
        }
      }
      try {
        const runners = [t.store, ...others].map((s) => new MigrationRunner(s.migrations, folder));
        const applied = await Promise.all(runners.map((r) => r.up()));
        expect(
          applied
            .flat()
            .map((r) => r.version)
            .sort(),
        ).toEqual([...shipped(dialect.name), 9002, 9003, 9004, 9005]);
        expect((await t.history()).map((h) => h.version)).toEqual([
          ...shipped(dialect.name),
          9002,
          9003,
          9004,
          9005,
        ]);
      } finally {
        for (const o of others) await o.close();
      }
    });

    it('concurrent migrator processes apply each migration exactly once, none fails', async () => {
      const t = await dialect.fresh();
      const files = await new MigrationRunner(
        t.store.migrations,
        join(defaultMigrationsRoot(), dialect.name),
      ).status();
      // The SQLite file must not be held open by this process while the others create it.
      if (dialect.name === 'sqlite') await t.store.close();
      const runs = await Promise.all(
        Array.from({ length: 5 }, () => runCli(['migrate', 'up', ...t.cliArgs, '--json'])),
      );
      for (const run of runs) expect(run.code, run.stderr).toBe(0);
      const appliedCounts = runs.map((r) => JSON.parse(r.stdout).migrations.length as number);
      expect(appliedCounts.reduce((a, b) => a + b, 0)).toBe(files.length);
      const history = await t.history();
      expect(history.map((h) => h.version)).toEqual(files.map((f) => f.version));
      expect(await t.tableExists('tasks')).toBe(true);
    });
  });
}
