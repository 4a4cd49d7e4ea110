import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrationRunner } from '../../daemon/store/open.js';
import { PostgresStore } from '../../daemon/store/postgres/pg-store.js';
import { cleanupDaemons, startDaemon } from '../helpers/daemon-process.js';
import { type DebianProcess, startDebianPrimary, startPgBouncer } from '../helpers/debian-postgres.js';
import { testStore } from '../helpers/postgres-db.js';
import { waitFor } from '../helpers/wait.js';
import { newTask } from './contract/fixtures.js';
import { storeContract } from './store-contract.js';

/** A real PgBouncer (Debian package) in transaction mode in front of a real PostgreSQL. */
let server: DebianProcess;
let bouncer: DebianProcess;

function open(): PostgresStore {
  return new PostgresStore({
    url: bouncer.url,
    directUrl: server.url,
    poolMax: 10,
    idleTimeoutMs: 10_000,
    statementTimeoutMs: 10_000,
    connectTimeoutMs: 5_000,
    applicationName: 'aidos-pgbouncer-test',
  });
}

beforeAll(async () => {
  server = await startDebianPrimary();
  bouncer = await startPgBouncer(server, 5);
  await waitFor(
    async () => {
      const c = new pg.Client({ connectionString: bouncer.url });
      await c.connect();
      await c.end();
      return true;
    },
    20_000,
    'PgBouncer to accept connections',
  );
  const store = open();
  try {
    await migrationRunner(store).up();
  } finally {
    await store.close();
  }
}, 120_000);

afterAll(async () => {
  await cleanupDaemons();
  bouncer?.destroy();
  server?.destroy();
});

describe('through PgBouncer in transaction mode', () =>
  storeContract('postgres', {
    fresh: async () => {
      const client = new pg.Client({ connectionString: bouncer.url });
      await client.connect();
      try {
        await client.query(
          'TRUNCATE nodes, tasks, task_events, health_results, chaos_runs RESTART IDENTITY CASCADE',
        );
      } finally {
        await client.end();
      }
      return open();
    },
    another: async () => open(),
  }));

describe('pooler detection', () => {
  it('a daemon behind PgBouncer without store.direct_url says so at start; with it, it does not', async () => {
    const behind = await startDaemon({ args: ['--db', bouncer.url] });
    const warning = await waitFor(
      () => behind.logs().find((l) => String(l.msg).includes('connection pooler is in between')),
      20_000,
      'the pooler warning',
    );
    expect(String(warning.msg)).toContain('store.direct_url is not set');
    expect(String(warning.msg)).toContain('polling every tasks.poll_interval');
    await behind.stop();

    const direct = await startDaemon({
      args: ['--db', bouncer.url, '--set', `store.direct_url=${server.url}`],
    });
    const ready = await fetch(`${direct.url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(direct.logs().some((l) => String(l.msg).includes('connection pooler'))).toBe(false);
    await direct.stop();
  }, 60_000);
});

describe('named statements behind a pooler nobody named', () => {
  it('without store.direct_url the hot statements fall back to unnamed ones: every task submitted, claimed and completed once', async () => {
    // Named statements are prepared on one PgBouncer server connection and bound on another:
    // the store must notice and go on unnamed, losing and repeating nothing.
    const store = testStore(bouncer.url, 10, 'aidos-pgbouncer-named');
    try {
      const submitted = await Promise.all(Array.from({ length: 40 }, () => store.submitTask(newTask())));
      const ids = new Set(submitted.map((r) => r.task.id));
      const claimed: string[] = [];
      for (let round = 0; round < 20 && claimed.length < ids.size; round++) {
        const batch = (
          await Promise.all([1, 2, 3, 4].map(() => store.claimTasks('pooled', 5, 30_000)))
        ).flat();
        claimed.push(...batch.map((t) => t.id));
        const done = await store.completeRuns(
          batch.map((t) => ({
            id: t.id,
            fence: t.fence,
            next: 'succeeded' as const,
            event: 'succeeded',
            node_id: 'pooled',
            detail: {},
          })),
        );
        expect(done.every((t) => t?.state === 'succeeded')).toBe(true);
      }
      expect(claimed.filter((id) => ids.has(id)).sort()).toEqual([...ids].sort());
      expect(new Set(claimed).size).toBe(claimed.length);
    } finally {
      await store.close();
    }
  }, 60_000);
});
