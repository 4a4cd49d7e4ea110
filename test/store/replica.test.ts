import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresStore } from '../../daemon/store/postgres/pg-store.js';
import { api } from '../helpers/api.js';
import { cleanupDaemons, startDaemon } from '../helpers/daemon-process.js';
import { type DebianProcess, queryOnce, startMigratedPrimaryAndReplica } from '../helpers/debian-postgres.js';
import { waitFor } from '../helpers/wait.js';
import { newTask } from './contract/fixtures.js';

const sql = queryOnce;

/** A real streaming replica (Debian PostgreSQL 15, pg_basebackup) behind store.read_replica_url. */
describe('read replica', () => {
  let primary: DebianProcess;
  let replica: DebianProcess;
  let store: PostgresStore;

  beforeAll(async () => {
    ({ primary, replica } = await startMigratedPrimaryAndReplica());
    store = new PostgresStore({
      url: primary.url,
      readReplicaUrl: replica.url,
      replicaMaxLagMs: 500,
      poolMax: 4,
      idleTimeoutMs: 1000,
      statementTimeoutMs: 10_000,
      connectTimeoutMs: 3000,
      applicationName: 'replica-test',
    });
  }, 120_000);

  afterAll(async () => {
    await cleanupDaemons();
    await store?.close();
    replica?.destroy();
    primary?.destroy();
  });

  it('serves lists from the replica, falls back when it lags past the limit or stops, and says so', async () => {
    const probe = store.diagnostics.openProbe({
      applicationName: 'lag-check',
      timeoutMs: 2000,
      url: replica.url,
    });
    try {
      const first = (await store.submitTask(newTask({ message: 'one' }))).task;
      await waitFor(
        async () => (await store.listTasks({ limit: 10 })).some((t) => t.id === first.id),
        20_000,
        'the replica to replay the first task',
      );

      // Replay paused: the replica misses the second task; reads from it do not show it, the primary does.
      await sql(replica.url, 'SELECT pg_wal_replay_pause()');
      const second = (await store.submitTask(newTask({ message: 'two' }))).task;
      expect((await store.getTask(second.id))?.id).toBe(second.id);
      await waitFor(
        async () =>
          (await sql(replica.url, 'SELECT pg_last_wal_receive_lsn() > pg_last_wal_replay_lsn() AS behind'))[0]
            ?.behind,
        20_000,
        'the replica to receive WAL it does not replay',
      );
      expect((await store.listTasks({ limit: 10 })).map((t) => t.id)).toEqual([first.id]);
      expect(store.replica?.state().reads).toBe('replica');

      // The lag check measures the lag; past the limit reads go to the primary.
      const lag = await waitFor(
        async () => {
          const l = await probe.replicationLag();
          return l.lagMs > 500 ? l : undefined;
        },
        20_000,
        'the measured lag to pass 500 ms',
      );
      expect(lag.role).toBe('replica');
      expect(store.replica?.state()).toMatchObject({ reads: 'primary' });
      expect(store.replica?.state().reason).toContain('behind');
      expect((await store.listTasks({ limit: 10 })).map((t) => t.id).sort()).toEqual(
        [first.id, second.id].sort(),
      );

      // Caught up again: back on the replica.
      await sql(replica.url, 'SELECT pg_wal_replay_resume()');
      await waitFor(
        async () => (await probe.replicationLag()).lagMs <= 500,
        20_000,
        'the replica to catch up',
      );
      expect(store.replica?.state().reads).toBe('replica');
      expect((await store.listTasks({ limit: 10 })).length).toBe(2);

      // Stopped: reads fall back at once, nothing fails.
      replica.stop();
      expect((await store.listTasks({ limit: 10 })).length).toBe(2);
      expect(await store.countTasksByState()).toMatchObject({ queued: 2 });
      expect(store.replica?.state().reads).toBe('primary');
      expect(store.replica?.state().reason).toContain('unavailable');
    } finally {
      await probe.close();
      replica.start();
    }
  }, 120_000);

  it('a daemon with the replica down reports it on /health/deep and keeps serving lists', async () => {
    replica.stop();
    try {
      const daemon = await startDaemon({
        args: [
          '--db',
          primary.url,
          '--set',
          `store.read_replica_url=${replica.url}`,
          '--set',
          'health.schedules.deep=*/1 * * * * *',
        ],
      });
      const check = await waitFor(
        async () => {
          const deep = await api<{ checks: Record<string, { status: string; output?: string }[]> }>(
            daemon.url,
            'GET',
            '/health/deep',
          );
          const entry = deep.body.checks?.['postgres:replica-lag']?.[0];
          return entry && entry.status === 'fail' ? entry : undefined;
        },
        30_000,
        'postgres:replica-lag to fail on /health/deep',
      );
      expect(check.status).toBe('fail');
      const listed = await api<{ tasks: unknown[] }>(daemon.url, 'GET', '/api/v1/tasks?limit=10');
      expect(listed.status).toBe(200);
      expect(listed.body.tasks.length).toBe(2);
    } finally {
      replica.start();
    }
  }, 120_000);
});
