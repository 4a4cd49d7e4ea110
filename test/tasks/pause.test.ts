import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getTask, submit, waitForState } from '../helpers/api.js';
import { cleanupDaemons, type DaemonProcess, startDaemon } from '../helpers/daemon-process.js';
import { writeStandinConfig } from '../helpers/standin-config.js';
import { waitFor } from '../helpers/wait.js';

describe('a paused daemon', () => {
  let dir: string;
  let daemon: DaemonProcess;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'aidos-pause-'));
    // Renewal due after the expiry sweep, so the sweep runs first when the daemon wakes.
    daemon = await startDaemon({
      args: ['--config', writeStandinConfig(dir), '--set', 'tasks.renew_every=2500ms'],
    });
  });
  afterAll(async () => {
    daemon?.child.kill('SIGCONT');
    await cleanupDaemons();
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps its running task when it wakes after its lease lapsed: no second agent, one completion', async () => {
    const task = await submit(daemon.url, { message: 'sleep:5000 long' });
    await waitFor(
      async () => (await getTask(daemon.url, task.id)).events.some((e) => e.kind === 'started'),
      10_000,
      'agent start',
    );
    daemon.child.kill('SIGSTOP');
    const db = new Database(join(daemon.dataDir, 'aidos.db'), { readonly: true });
    try {
      await waitFor(
        () => {
          const row = db.prepare('SELECT lease_expires_at FROM tasks WHERE id = ?').get(task.id) as {
            lease_expires_at: number;
          };
          return row.lease_expires_at < Date.now();
        },
        10_000,
        'the lease to lapse while the daemon is stopped',
      );
    } finally {
      db.close();
      daemon.child.kill('SIGCONT');
    }
    const { task: done, events } = await waitForState(daemon.url, task.id, undefined, 20_000);
    expect(done.state).toBe('succeeded');
    expect(done.attempt).toBe(1);
    expect(events.filter((e) => e.kind === 'claimed')).toHaveLength(1);
    expect(events.some((e) => e.kind === 'requeued')).toBe(false);
  });
});
