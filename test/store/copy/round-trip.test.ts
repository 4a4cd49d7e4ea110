import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyStore } from '../../../daemon/store/copy/copy.js';
import { jsonbText } from '../../../daemon/store/copy/jsonb-text.js';
import { PostgresStore } from '../../../daemon/store/postgres/pg-store.js';
import type { SqliteStore } from '../../../daemon/store/sqlite/sqlite-store.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/postgres-db.js';
import { newTask } from '../contract/fixtures.js';
import { migrationsWithBlobs, rawSqlite, sqliteStore, tasksInEveryState } from './fixtures.js';

const NESTED = JSON.stringify(
  Array.from({ length: 60 }).reduce<unknown>((inner, _, i) => ({ [`level${i}`]: inner, i }), { leaf: '🦀' }),
);
const ODD_JSON = [
  '{"b": 1, "a": 2, "a": 3, "longer key": [1.50, 1e2, 0.000, 12345678901234567890, -1.5E-7, 1E+3]}',
  '{"esc":"\\u00e9\\ud83e\\udd80\\n\\t\\"\\\\\\/ \\u001f","emoji 🦀":"x","":""}',
  '  [ ]  ',
  '"just a string"',
  '123.4500',
  'null',
  NESTED,
  JSON.stringify({ big: Array.from({ length: 5000 }, (_, i) => ({ i, s: `v${i}`.repeat(5) })) }),
];

const ODD_TEXT =
  'héllo 世界 🦀👩‍👩‍👧 \u0001\u0007\u001b\u001f\u007f \t tab \n newline \r cr \\ backslash "quotes" \u2028';
const MIB = `${'ü🦀x'.repeat(Math.ceil((1024 * 1024) / 7))}`.slice(0, 1024 * 1024);
const BLOB = Buffer.concat([Buffer.from([0, 1, 2, 255, 0, 92, 10, 9, 13]), randomBytes(4096)]);
const MAX = '9223372036854775807';
const MIN = '-9223372036854775808';

function insertOdd(path: string): void {
  const db = rawSqlite(path);
  const task =
    db.prepare(`INSERT INTO tasks (id, idempotency_key, profile, message, priority, state, attempt, max_attempts,
    timeout_ms, labels, run_after, created_at, updated_at, started_at, finished_at, node_id, lease_expires_at, fence,
    cancel_requested, result, error) VALUES (@id, @key, @profile, @message, @priority, @state, @attempt, @max, @timeout,
    @labels, @run_after, @created, @updated, @started, @finished, @node, @lease, @fence, @cancel, @result, @error)`);
  task.safeIntegers(true);
  const base = {
    key: null,
    profile: 'p',
    message: ODD_TEXT,
    priority: 0n,
    state: 'succeeded',
    attempt: 1n,
    max: 3n,
    timeout: 1000n,
    labels: '{"emoji 🦀": "✓"}',
    run_after: 0n,
    created: 1n,
    updated: 2n,
    started: null,
    finished: null,
    node: null,
    lease: null,
    fence: 0n,
    cancel: 0n,
    result: null,
    error: null,
  };
  for (const [i, result] of ODD_JSON.entries()) task.run({ ...base, id: `odd_json_${i}`, result, error: '' });
  task.run({ ...base, id: 'odd_mib', message: MIB, key: '', error: ODD_TEXT });
  task.run({
    ...base,
    id: 'odd_limits 🦀',
    priority: 2147483647n,
    attempt: -2147483648n,
    timeout: BigInt(MAX),
    fence: BigInt(MIN),
    run_after: -62135596800000n,
    created: 8640000000000000n,
    updated: '2026-03-04T05:06:07.891+05:30',
    started: '2026-03-04 05:06:07',
    finished: -1n,
    cancel: 1n,
    state: 'failed',
  });
  const event = db.prepare(`INSERT INTO task_events (id, task_id, at, kind, node_id, attempt, fence, detail)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
  event.safeIntegers(true);
  event.run(9000000000000000000n, 'odd_mib', 5n, 'weird kind ✨', null, 0n, BigInt(MAX), ODD_JSON[1]);
  const health =
    db.prepare(`INSERT INTO health_results (node_id, check_name, status, observed_value, observed_unit,
    output, duration_ms, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
  for (const v of [0.1, 1e-300, 1.7976931348623157e308, 5e-324, -2.5, Number.POSITIVE_INFINITY])
    health.run('n1', 'odd:double', 'warn', v, '', ODD_TEXT, 0.30000000000000004, 1_700_000_000_123);
  const blobs = db.prepare('INSERT INTO blobs (id, data) VALUES (?, ?)');
  blobs.run(1, BLOB);
  blobs.run(2, Buffer.alloc(0));
  blobs.run(3, null);
  db.close();
}

describe('migrate copy: odd data round-trips exactly', () => {
  let db: TestDatabase;
  let dir: string;
  let root: string;
  let source: SqliteStore;
  let ids: string[];

  beforeAll(async () => {
    db = await createTestDatabase('aidos_copy_odd');
    dir = await mkdtemp(join(tmpdir(), 'aidos-copy-'));
    root = migrationsWithBlobs();
    source = await sqliteStore(join(dir, 'aidos.db'), root);
    ids = await tasksInEveryState(source, 2);
    await source.close();
    insertOdd(join(dir, 'aidos.db'));
  });

  afterAll(async () => {
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(root, { recursive: true, force: true });
  });

  it('copies, verifies, and PostgreSQL holds the same values (read back independently)', async () => {
    const file = join(dir, 'aidos.db');
    const before = createHash('sha256').update(readFileSync(file)).digest('hex');
    const report = await copyStore({
      from: dir,
      to: db.url,
      batch: 3,
      dryRun: false,
      verifyOnly: false,
      force: false,
      method: 'copy',
      migrationsRoot: root,
    });
    expect(report.mode).toBe('fresh');
    expect(report.verified).toBe(true);
    expect(report.schema_version).toBe(9002);
    for (const t of report.tables) expect(t.source_checksum).toBe(t.target_checksum);
    expect(createHash('sha256').update(readFileSync(file)).digest('hex')).toBe(before);

    // What a daemon reads: the same tasks, events, health history and nodes through both stores.
    const sqlite = await sqliteStore(file, root);
    const pgStore = new PostgresStore({
      url: db.url,
      poolMax: 2,
      idleTimeoutMs: 1000,
      statementTimeoutMs: 10_000,
      connectTimeoutMs: 5000,
      applicationName: 'test',
    });
    try {
      // odd_json_3 (a bare JSON string) is left out here: PostgresStore cannot read such a result back
      // (rows.ts parses the string pg already decoded); PostgreSQL's own comparison below covers it.
      const readable = ODD_JSON.map((_, i) => `odd_json_${i}`).filter((id) => id !== 'odd_json_3');
      for (const id of [...ids, 'odd_mib', ...readable]) {
        expect(await pgStore.getTask(id)).toEqual(await sqlite.getTask(id));
        expect(await pgStore.listTaskEvents(id)).toEqual(await sqlite.listTaskEvents(id));
      }
      expect(await pgStore.listHealthResults({ limit: 100 })).toEqual(
        await sqlite.listHealthResults({ limit: 100 }),
      );
      expect(await pgStore.listNodes()).toEqual(await sqlite.listNodes());
      expect(await pgStore.countTasksByState()).toEqual(await sqlite.countTasksByState());
    } finally {
      await sqlite.close();
      await pgStore.close();
    }

    // Values a JavaScript number or Date cannot carry, checked by PostgreSQL itself.
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const limits = (
        await client.query(`SELECT priority, attempt, timeout_ms::text AS t, fence::text AS f, cancel_requested,
        run_after = '0001-01-01T00:00:00Z' AS ra, created_at = to_timestamp(8640000000000) AS ca,
        updated_at = '2026-03-04T05:06:07.891+05:30' AS ua, started_at = '2026-03-04T05:06:07Z' AS sa,
        finished_at = '1969-12-31T23:59:59.999Z' AS fa FROM tasks WHERE id = 'odd_limits 🦀'`)
      ).rows[0];
      expect(limits).toEqual({
        priority: 2147483647,
        attempt: -2147483648,
        t: MAX,
        f: MIN,
        cancel_requested: true,
        ra: true,
        ca: true,
        ua: true,
        sa: true,
        fa: true,
      });
      for (const [i, raw] of ODD_JSON.entries()) {
        const { rows } = await client.query(
          'SELECT result = $1::jsonb AS same, error FROM tasks WHERE id = $2',
          [raw, `odd_json_${i}`],
        );
        expect(rows[0]).toEqual({ same: true, error: '' });
      }
      const big = (
        await client.query("SELECT (result->'longer key')::text AS k FROM tasks WHERE id = 'odd_json_0'")
      ).rows[0];
      expect(big.k).toBe('[1.50, 100, 0.000, 12345678901234567890, -0.00000015, 1000]');
      expect(
        (await client.query("SELECT result->'longer key'->>3 AS n FROM tasks WHERE id = 'odd_json_0'"))
          .rows[0].n,
      ).toBe('12345678901234567890');
      const mib = (
        await client.query(
          "SELECT message = $1 AS same, octet_length(message) AS n, idempotency_key FROM tasks WHERE id = 'odd_mib'",
          [MIB],
        )
      ).rows[0];
      expect(mib).toEqual({ same: true, n: Buffer.byteLength(MIB), idempotency_key: '' });
      const blobs = (await client.query('SELECT id::int, data FROM blobs ORDER BY id')).rows;
      expect(blobs).toEqual([
        { id: 1, data: BLOB },
        { id: 2, data: Buffer.alloc(0) },
        { id: 3, data: null },
      ]);
      const doubles = (
        await client.query(
          "SELECT observed_value AS v FROM health_results WHERE check_name = 'odd:double' ORDER BY id",
        )
      ).rows;
      expect(doubles.map((r) => r.v)).toEqual([
        0.1,
        1e-300,
        1.7976931348623157e308,
        5e-324,
        -2.5,
        Number.POSITIVE_INFINITY,
      ]);
      // Sequences continue after the highest copied id: no id is handed out twice.
      const next = (
        await client.query("SELECT nextval(pg_get_serial_sequence('task_events', 'id'))::text AS n")
      ).rows[0].n;
      expect(BigInt(next)).toBe(9000000000000000001n);
    } finally {
      await client.end();
    }
  });

  it('prints JSON the way jsonb does (the source side of the checksum), checked against the server', async () => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      for (const raw of [
        ...ODD_JSON,
        '{"a":{"bb":1,"c":2},"ä":1,"z":1}',
        '[1e-20, 5E5, 0.10e1, -0.0, 100e-2]',
      ]) {
        const { rows } = await client.query('SELECT $1::jsonb::text AS t', [raw]);
        expect(jsonbText(raw)).toBe(rows[0].t);
      }
    } finally {
      await client.end();
    }
  });

  it('refuses JSON with a raw control character, naming the row and column PostgreSQL refused', async () => {
    const other = await createTestDatabase('aidos_copy_ctl');
    const dir2 = await mkdtemp(join(tmpdir(), 'aidos-copy-'));
    try {
      const store = await sqliteStore(join(dir2, 'aidos.db'));
      // 1,000 rows, the bad one third: the storage sample (every fifth row here) passes it by, so
      // it is PostgreSQL's refusal that the copy reports.
      const ids: string[] = [];
      for (let i = 0; i < 1000; i++)
        ids.push((await store.submitTask(newTask({ message: `task ${i}` }))).task.id);
      const bad = { id: ids[2] as string };
      await store.close();
      const raw = rawSqlite(join(dir2, 'aidos.db'));
      // A tab inside a JSON string must be escaped: SQLite keeps the text, jsonb refuses it.
      raw.prepare('UPDATE tasks SET labels = ? WHERE id = ?').run('{"note": "a\tb"}', bad.id);
      raw.close();
      const copying = copyStore({
        from: dir2,
        to: other.url,
        batch: 100,
        dryRun: false,
        verifyOnly: false,
        force: false,
        method: 'copy',
      });
      await expect(copying).rejects.toThrow(
        new RegExp(`copying tasks \\(row ${bad.id}, column labels\\): PostgreSQL refused it: .*json`),
      );
      const client = new pg.Client({ connectionString: other.url });
      await client.connect();
      expect((await client.query('SELECT count(*)::int AS n FROM tasks')).rows[0].n).toBe(0);
      await client.end();
    } finally {
      await other.drop();
      rmSync(dir2, { recursive: true, force: true });
    }
  });

  it('keeps a real U+FFFD and refuses invalid UTF-8 and NUL, in short text (read as strings) and long text (bytes)', async () => {
    const dir2 = await mkdtemp(join(tmpdir(), 'aidos-copy-'));
    const databases: TestDatabase[] = [];
    const copyInto = async (name: string) => {
      const db = await createTestDatabase(name);
      databases.push(db);
      const copying = copyStore({
        from: dir2,
        to: db.url,
        batch: 100,
        dryRun: false,
        verifyOnly: false,
        force: false,
        method: 'copy',
      });
      return { db, copying };
    };
    try {
      const store = await sqliteStore(join(dir2, 'aidos.db'));
      const id = (await store.submitTask(newTask({ message: 'x'.repeat(300) }))).task.id;
      await store.close();
      const raw = rawSqlite(join(dir2, 'aidos.db'));
      raw
        .prepare('UPDATE tasks SET profile = ?, error = ? WHERE id = ?')
        .run('ok \uFFFD', `${'\uFFFD'.repeat(100)}`, id);
      const kept = await copyInto('aidos_copy_fffd');
      expect((await kept.copying).verified).toBe(true);
      const client = new pg.Client({ connectionString: kept.db.url });
      await client.connect();
      const row = (await client.query('SELECT profile, error FROM tasks WHERE id = $1', [id])).rows[0];
      await client.end();
      expect(row).toEqual({ profile: 'ok \uFFFD', error: '\uFFFD'.repeat(100) });

      // 0xff is never UTF-8; SQLite keeps such bytes as TEXT all the same.
      raw.prepare("UPDATE tasks SET node_id = CAST(X'6e31ff' AS TEXT) WHERE id = ?").run(id);
      await expect((await copyInto('aidos_copy_bad_short')).copying).rejects.toThrow(
        new RegExp(`tasks\\.node_id of row ${id}: text is not valid UTF-8`),
      );
      raw
        .prepare("UPDATE tasks SET node_id = NULL, message = CAST(X'ff' || ? AS TEXT) WHERE id = ?")
        .run(Buffer.from('y'.repeat(300)), id);
      await expect((await copyInto('aidos_copy_bad_long')).copying).rejects.toThrow(
        new RegExp(`tasks\\.message of row ${id}: text is not valid UTF-8`),
      );
      // PostgreSQL text cannot hold NUL: refused by name, short (a string) and long (bytes).
      raw
        .prepare('UPDATE tasks SET node_id = ?, message = ? WHERE id = ?')
        .run('n\u00001', 'x'.repeat(300), id);
      await expect((await copyInto('aidos_copy_nul_short')).copying).rejects.toThrow(
        new RegExp(`tasks\\.node_id of row ${id}: text contains a NUL character`),
      );
      raw
        .prepare('UPDATE tasks SET node_id = NULL, message = ? WHERE id = ?')
        .run(`${'y'.repeat(300)}\u0000`, id);
      await expect((await copyInto('aidos_copy_nul_long')).copying).rejects.toThrow(
        new RegExp(`tasks\\.message of row ${id}: text contains a NUL character`),
      );
      raw.close();
    } finally {
      for (const db of databases) await db.drop();
      rmSync(dir2, { recursive: true, force: true });
    }
  });

  it('refuses a blob where text belongs, naming table, column and key, and leaves the target as it was', async () => {
    const other = await createTestDatabase('aidos_copy_blob');
    const dir2 = await mkdtemp(join(tmpdir(), 'aidos-copy-'));
    try {
      const store = await sqliteStore(join(dir2, 'aidos.db'));
      await store.close();
      const raw = rawSqlite(join(dir2, 'aidos.db'));
      raw
        .prepare(`INSERT INTO nodes (id, address, roles, version, status, started_at, heartbeat_at, meta)
        VALUES ('n9', ?, '[]', 'v', 'up', 1, 1, '{}')`)
        .run(Buffer.from([0xff, 0x00]));
      raw.close();
      await expect(
        copyStore({
          from: dir2,
          to: other.url,
          batch: 10,
          dryRun: false,
          verifyOnly: false,
          force: false,
          method: 'insert',
        }),
      ).rejects.toThrow(/nodes\.address of row n9: a 2-byte blob where text belongs/);
      const client = new pg.Client({ connectionString: other.url });
      await client.connect();
      expect((await client.query('SELECT count(*)::int AS n FROM nodes')).rows[0].n).toBe(0);
      await client.end();
    } finally {
      await other.drop();
      rmSync(dir2, { recursive: true, force: true });
    }
  });
});
