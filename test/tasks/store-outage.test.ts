import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getTask, submit, waitForState } from '../helpers/api.js';
import { cleanupDaemons, type DaemonProcess, startDaemon } from '../helpers/daemon-process.js';
import { startThrowawayPostgres, type ThrowawayPostgres } from '../helpers/postgres-server.js';
import { writeStandinConfig } from '../helpers/standin-config.js';
import { waitFor } from '../helpers/wait.js';

/** PostgreSQL restarts while agents run: no task is lost, none completes twice. */
describe('tasks across a PostgreSQL outage', () => {
  let dir: string;
  let pg: ThrowawayPostgres;
  let daemon: DaemonProcess;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'aidos-outage-'));
    pg = await startThrowawayPostgres();
    daemon = await startDaemon({ args: ['--config', writeStandinConfig(dir), '--db', pg.url] });
  });
  afterAll(async () => {
    await cleanupDaemons();
    await pg?.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  const logged = (msg: string, taskId: string) => () =>
    daemon.logs().some((l) => l.msg === msg && l.task_id === taskId);

  it('records a result that arrives while the store is down once the store is back', async () => {
    const task = await submit(daemon.url, { message: 'sleep:800 short outage' });
    await waitFor(
      async () => (await getTask(daemon.url, task.id)).events.some((e) => e.kind === 'started'),
      10_000,
      'start',
    );
    await pg.stop();
    await waitFor(logged('agent finished', task.id), 10_000, 'the agent to finish while PostgreSQL is down');
    expect((await fetch(`${daemon.url}/health/ready`)).status).toBe(503);
    expect((await fetch(`${daemon.url}/health`)).status).toBe(200);
    await pg.start();
    const { task: done, events } = await waitForState(daemon.url, task.id, undefined, 30_000);
    expect(done.state).toBe('succeeded');
    expect(done.attempt).toBe(1);
    expect(events.filter((e) => e.kind === 'succeeded')).toHaveLength(1);
  });

  it('stops its agent when cut off longer than a lease, and runs the task again once the store is back', async () => {
    const task = await submit(daemon.url, { message: 'hang-until:2 long outage', max_attempts: 3 });
    await waitFor(
      async () => (await getTask(daemon.url, task.id)).events.some((e) => e.kind === 'started'),
      10_000,
      'start',
    );
    await pg.stop();
    await waitFor(
      () =>
        daemon
          .logs()
          .some(
            (l) =>
              l.msg === 'stopping agent' &&
              l.task_id === task.id &&
              String(l.reason).includes('store unreachable'),
          ),
      15_000,
      'the cut-off node to stop its own agent',
    );
    // Self-fenced: it tells a load balancer and the operator it cannot take work.
    await waitFor(
      async () => (await fetch(`${daemon.url}/health/ready`)).status === 503,
      15_000,
      'the cut-off node to report not-ready',
    );
    await pg.start();
    const { task: done, events } = await waitForState(daemon.url, task.id, undefined, 30_000);
    expect(done.state).toBe('succeeded');
    expect(done.attempt).toBe(2);
    expect(events.filter((e) => e.kind === 'succeeded')).toHaveLength(1);
    expect(events.some((e) => e.kind === 'requeued')).toBe(true);
  });

  it('claims as soon as the store is up when it started without it (not at the next lease sweep)', async () => {
    await daemon.stop();
    await pg.stop();
    // A 30 s lease: the expired-lease sweep runs every 15 s, far beyond the wait below.
    const late = await startDaemon({
      args: [
        '--config',
        writeStandinConfig(dir, { tasks: { lease: '30s', renew_every: '5s', poll_interval: '1s' } }),
        '--db',
        pg.url,
      ],
      waitReady: false,
    });
    await waitFor(
      async () => (await fetch(`${late.url}/health`).catch(() => undefined))?.ok,
      20_000,
      'liveness',
    );
    await pg.start();
    await waitFor(async () => (await fetch(`${late.url}/health/ready`)).ok, 20_000, 'readiness');
    const task = await submit(late.url, { message: 'after the outage' });
    const { task: done } = await waitForState(late.url, task.id, undefined, 8_000);
    expect(done.state).toBe('succeeded');
  });
});
