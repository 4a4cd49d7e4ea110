import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresStore } from '../../../daemon/store/postgres/pg-store.js';
import { SqliteStore } from '../../../daemon/store/sqlite/sqlite-store.js';
import { api, getTask, submit, waitForState } from '../../helpers/api.js';
import { runAidos } from '../../helpers/cli.js';
import { cleanupDaemons, startDaemon } from '../../helpers/daemon-process.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/postgres-db.js';
import { writeStandinConfig } from '../../helpers/standin-config.js';

/** The cut-over procedure of docs/migrations.md, step by step, with real daemons. */
describe('cut-over from SQLite to PostgreSQL', () => {
  let dir: string;
  let db: TestDatabase;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'aidos-cutover-'));
    db = await createTestDatabase('aidos_cutover');
  });

  afterAll(async () => {
    await cleanupDaemons();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('moves tasks, events and health history; the old store stays usable to go back', async () => {
    const config = writeStandinConfig(dir);
    const sqliteDaemon = await startDaemon({ args: ['--config', config] });
    const ids: string[] = [];
    ids.push((await submit(sqliteDaemon.url, { message: 'hello ✓', labels: { team: 'ops' } })).id);
    ids.push((await submit(sqliteDaemon.url, { message: 'fail', max_attempts: 1 })).id);
    ids.push((await submit(sqliteDaemon.url, { message: 'fail-until:2', max_attempts: 3 })).id);
    for (const id of ids) await waitForState(sqliteDaemon.url, id);
    const queued = (await submit(sqliteDaemon.url, { message: 'later', run_after: Date.now() + 3_600_000 }))
      .id;
    ids.push(queued);
    const before = await Promise.all(ids.map((id) => getTask(sqliteDaemon.url, id)));
    const listed = (await api<{ tasks: { id: string }[] }>(sqliteDaemon.url, 'GET', '/api/v1/tasks?limit=50'))
      .body;

    // 1. The copy refuses while the daemon holds the file, and says how to stop it.
    const held = await runAidos(['migrate', 'copy', '--from', sqliteDaemon.dataDir, '--to', db.url]);
    expect(held.code).toBe(1);
    expect(held.stderr).toContain(`is open by pid ${sqliteDaemon.child.pid}`);
    expect(held.stderr).toContain('stop the daemon first');

    // 2. Stop, copy, verify.
    await sqliteDaemon.stop();
    // The database and any WAL frames stay byte for byte; a read-only connection may leave an empty -wal.
    const files = () =>
      ['aidos.db', 'aidos.db-wal']
        .map((f) => join(sqliteDaemon.dataDir, f))
        .filter((f) => existsSync(f) && statSync(f).size > 0)
        .map((f) => createHash('sha256').update(readFileSync(f)).digest('hex'));
    const untouched = files();
    const copied = await runAidos(
      ['migrate', 'copy', '--from', sqliteDaemon.dataDir, '--to', db.url],
      {},
      120_000,
    );
    expect(copied.stderr).toBe('');
    expect(copied.code).toBe(0);
    const verify = await runAidos([
      'migrate',
      'copy',
      '--from',
      sqliteDaemon.dataDir,
      '--to',
      db.url,
      '--verify-only',
    ]);
    expect(verify.code).toBe(0);
    expect(files()).toEqual(untouched);

    // 3. Point the daemon at PostgreSQL and start it: ready, and the same history through its API.
    const pgDaemon = await startDaemon({ args: ['--config', config, '--db', db.url] });
    expect((await api(pgDaemon.url, 'GET', '/health/ready')).status).toBe(200);
    for (const [i, id] of ids.entries()) expect(await getTask(pgDaemon.url, id)).toEqual(before[i]);
    const relisted = (await api<{ tasks: { id: string }[] }>(pgDaemon.url, 'GET', '/api/v1/tasks?limit=50'))
      .body;
    expect(relisted).toEqual(listed);

    // Health history (the API has no history endpoint yet): the same rows through both stores.
    const oldNode = `n${sqliteDaemon.port}`;
    const sqlite = new SqliteStore({ path: join(sqliteDaemon.dataDir, 'aidos.db'), busyTimeoutMs: 5000 });
    const pgStore = new PostgresStore({
      url: db.url,
      poolMax: 1,
      idleTimeoutMs: 1000,
      statementTimeoutMs: 10_000,
      connectTimeoutMs: 5000,
      applicationName: 'test',
    });
    try {
      const history = await sqlite.listHealthResults({ node_id: oldNode, limit: 10_000 });
      expect(history.length).toBeGreaterThan(0);
      expect(await pgStore.listHealthResults({ node_id: oldNode, limit: 10_000 })).toEqual(history);
    } finally {
      await sqlite.close();
      await pgStore.close();
    }
    await pgDaemon.stop();

    // 4. Going back: the SQLite file was never written; a daemon on it sees what it had.
    const back = await startDaemon({ args: ['--config', config], dataDir: sqliteDaemon.dataDir });
    expect((await getTask(back.url, ids[0] as string)).task).toEqual(before[0]?.task);
    await back.stop();
  }, 120_000);
});
