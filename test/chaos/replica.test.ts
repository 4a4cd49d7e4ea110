import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFault } from '../../chaos/faults/build.js';
import { PostgresReplicaControl } from '../../daemon/store/postgres/replica-chaos.js';
import { api, submit } from '../helpers/api.js';
import { runAidos } from '../helpers/cli.js';
import { cleanupDaemons, type DaemonProcess, startDaemon } from '../helpers/daemon-process.js';
import { type DebianProcess, queryOnce, startMigratedPrimaryAndReplica } from '../helpers/debian-postgres.js';
import { waitFor } from '../helpers/wait.js';

// The pg-replica fault against a real streaming replica (Debian PostgreSQL 15, pg_basebackup),
// checked from outside the daemon: replay paused or the server down, then restored and caught up.
let primary: DebianProcess;
let replica: DebianProcess;
let daemon: DaemonProcess;
let args: string[];

const onReplica = (text: string, params: unknown[] = []) => queryOnce(replica.url, text, params);

const replayPaused = async () => (await onReplica('SELECT pg_is_wal_replay_paused() AS p'))[0]?.p === true;
const onReplicaHas = async (id: string) =>
  (await onReplica('SELECT 1 FROM tasks WHERE id = $1', [id])).length === 1;

type Check = { status: string; observedValue?: number; output?: string };
async function replicaCheck(d: DaemonProcess): Promise<Check | undefined> {
  const deep = await api<{ checks?: Record<string, Check[]> }>(d.url, 'GET', '/health/deep');
  return deep.body.checks?.['postgres:replica-lag']?.[0];
}

async function activeFaults(d: DaemonProcess): Promise<{ kind: string }[]> {
  const r = await runAidos(['chaos', 'status', '--json', '--url', d.url]);
  return (JSON.parse(r.stdout) as { active_faults: { kind: string }[] }).active_faults;
}

const inject = (mode: string, duration: string) =>
  runAidos(['chaos', 'inject', 'pg-replica', `mode=${mode}`, '--duration', duration, '--url', daemon.url]);

beforeAll(async () => {
  ({ primary, replica } = await startMigratedPrimaryAndReplica());
  const ctl = (action: string, extra: string[]) =>
    JSON.stringify([
      '/usr/sbin/runuser',
      '-u',
      'postgres',
      '--',
      '/usr/lib/postgresql/15/bin/pg_ctl',
      action,
      '-D',
      join(replica.dir, 'data'),
      '-w',
      ...extra,
    ]);
  args = [
    '--db',
    primary.url,
    '--set',
    `store.read_replica_url=${replica.url}`,
    '--set',
    'health.schedules.deep=*/1 * * * * *',
    '--set',
    'chaos.enabled=true',
    '--set',
    `chaos.replica.stop=${ctl('stop', ['-m', 'fast'])}`,
    '--set',
    `chaos.replica.start=${ctl('start', ['-l', join(replica.dir, 'log')])}`,
  ];
  daemon = await startDaemon({ args });
}, 120_000);

afterAll(async () => {
  await cleanupDaemons();
  replica?.destroy();
  primary?.destroy();
});

describe('pg-replica', () => {
  it('lag: replay paused, the lag shows on /health/deep and lists come from the primary; abort resumes and the replica catches up', async () => {
    const injected = await inject('lag', '2m');
    expect(injected.code, injected.stderr).toBe(0);
    expect(await replayPaused()).toBe(true);
    const task = await submit(daemon.url, { message: 'written while the replica lags' });
    // Past the 10 s limit the lag check sends reads to the primary: the task is listed, though the replica lacks it.
    const check = await waitFor(
      async () => {
        const c = await replicaCheck(daemon);
        return c && c.status !== 'pass' && (c.observedValue ?? 0) > 10_000 ? c : undefined;
      },
      45_000,
      'postgres:replica-lag to report the lag past 10 s',
    );
    expect(check.status).toBe('warn');
    await waitFor(
      async () => {
        const listed = await api<{ tasks: { id: string }[] }>(daemon.url, 'GET', '/api/v1/tasks?limit=50');
        return listed.body.tasks.some((t) => t.id === task.id);
      },
      15_000,
      'the list (from the primary) to show the new task',
    );
    expect(await onReplicaHas(task.id)).toBe(false);

    const abort = await runAidos(['chaos', 'abort', '--url', daemon.url]);
    expect(abort.code, abort.stderr).toBe(0);
    expect(await activeFaults(daemon)).toEqual([]);
    expect(await replayPaused()).toBe(false);
    await waitFor(() => onReplicaHas(task.id), 10_000, 'the replica to replay the task');
    await waitFor(
      async () => (await replicaCheck(daemon))?.status === 'pass',
      20_000,
      'the lag check to pass',
    );
  }, 120_000);

  it('stop: the replica server is down, reads keep working and /health/deep fails the check; the deadline starts it again', async () => {
    const before = await api<{ tasks: unknown[] }>(daemon.url, 'GET', '/api/v1/tasks?limit=50');
    const injected = await inject('stop', '15s');
    expect(injected.code, injected.stderr).toBe(0);
    await expect(onReplica('SELECT 1')).rejects.toThrow();
    const listed = await api<{ tasks: unknown[] }>(daemon.url, 'GET', '/api/v1/tasks?limit=50');
    expect(listed.status).toBe(200);
    expect(listed.body.tasks.length).toBe(before.body.tasks.length);
    await waitFor(
      async () => (await replicaCheck(daemon))?.status === 'fail',
      15_000,
      'the replica check to fail',
    );
    await waitFor(async () => (await activeFaults(daemon)).length === 0, 30_000, 'the deadline to revert it');
    const [state] = await onReplica(
      'SELECT pg_is_in_recovery() AS standby, pg_is_wal_replay_paused() AS paused',
    );
    expect(state).toEqual({ standby: true, paused: false });
    const task = await submit(daemon.url, { message: 'after the restart' });
    await waitFor(() => onReplicaHas(task.id), 15_000, 'the restarted replica to stream again');
  }, 120_000);

  it('a daemon killed with the replay paused resumes it on restart, from its journal', async () => {
    const injected = await inject('lag', '10m');
    expect(injected.code, injected.stderr).toBe(0);
    expect(await replayPaused()).toBe(true);
    await daemon.kill9();
    expect(await replayPaused()).toBe(true);
    daemon = await startDaemon({ args, dataDir: daemon.dataDir, port: daemon.port });
    await waitFor(async () => !(await replayPaused()), 20_000, 'the restarted daemon to resume replay');
    expect(await activeFaults(daemon)).toEqual([]);
  }, 120_000);

  it('is refused where it cannot act, naming the field', () => {
    const ctx = { nodeId: 'n1', dataDir: '/tmp', processes: async () => [], proxies: new Map() };
    const field = (spec: Parameters<typeof buildFault>[0], c: Parameters<typeof buildFault>[1]) => {
      try {
        buildFault(spec, c);
      } catch (error) {
        return [(error as { field?: string }).field, (error as Error).message];
      }
    };
    expect(field({ kind: 'pg-replica', mode: 'lag' }, ctx)).toEqual([
      'kind',
      expect.stringContaining('store.read_replica_url'),
    ]);
    const control = new PostgresReplicaControl(replica.url, 2000);
    expect(field({ kind: 'pg-replica', mode: 'stop' }, { ...ctx, replica: { control } })).toEqual([
      'mode',
      expect.stringContaining('chaos.replica.stop'),
    ]);
  });

  it('config: chaos.replica.stop without start is refused naming chaos.replica.start', async () => {
    const r = await runAidos(['config', 'check', '--set', 'chaos.replica.stop=["/bin/true"]']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/chaos\.replica\.start: stop and start are given together/);
  });
});
