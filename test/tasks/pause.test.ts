import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getTask, submit, waitForState } from '../helpers/api.js';
import { cleanupDaemons, type DaemonProcess, startDaemon } from '../helpers/daemon-process.js';
import { freePort } from '../helpers/postgres-server.js';
import { STANDIN, writeStandinConfig } from '../helpers/standin-config.js';
import { waitFor } from '../helpers/wait.js';

/** State letter from /proc/PID/status; undefined once the pid is gone. */
function procState(pid: number): string | undefined {
  try {
    return /^State:\s+(\S)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}

/** Live (not zombie) processes whose process group is `pgid`. */
function liveGroupMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const status = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = status.slice(status.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid && procState(Number(name)) !== 'Z') members.push(Number(name));
    } catch {
      // Exited while we looked.
    }
  }
  return members;
}

describe('a paused daemon', () => {
  let dir: string;
  let daemon: DaemonProcess;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'aidos-pause-'));
    // A 6 s lease and a 3 s guard: room for a loaded machine between the guard's kill and the lease.
    daemon = await startDaemon({
      args: ['--config', writeStandinConfig(dir), '--set', 'tasks.lease=6s', '--set', 'tasks.guard_after=3s'],
    });
  });
  afterAll(async () => {
    daemon?.child.kill('SIGCONT');
    await cleanupDaemons();
    await rm(dir, { recursive: true, force: true });
  });

  it('has its agent killed by the agent guard before the lease lapses; on waking the task runs again, once', async () => {
    const task = await submit(daemon.url, { message: 'hang-until:2 paused', max_attempts: 3 });
    const started = await waitFor(
      async () => (await getTask(daemon.url, task.id)).events.find((e) => e.kind === 'started'),
      10_000,
      'agent start',
    );
    const agentPid = Number(started.detail.pid);
    expect(liveGroupMembers(agentPid)).toContain(agentPid);

    daemon.child.kill('SIGSTOP');
    const db = new Database(join(daemon.dataDir, 'aidos.db'), { readonly: true });
    let goneAt = 0;
    let leaseExpiresAt = 0;
    try {
      await waitFor(() => procState(daemon.child.pid as number) === 'T', 5_000, 'the daemon to stop');
      // Read once the daemon is stopped: no renewal can move it any more.
      leaseExpiresAt = (
        db.prepare('SELECT lease_expires_at FROM tasks WHERE id = ?').get(task.id) as {
          lease_expires_at: number;
        }
      ).lease_expires_at;
      await waitFor(
        () => liveGroupMembers(agentPid).length === 0 || Date.now() >= leaseExpiresAt,
        15_000,
        'the agent group to go or the lease to lapse',
      );
      goneAt = Date.now();
      expect(liveGroupMembers(agentPid)).toEqual([]);
      // The daemon was stopped all along: the guard, not the daemon, ended the agent.
      expect(procState(daemon.child.pid as number)).toBe('T');
    } finally {
      db.close();
      daemon.child.kill('SIGCONT');
    }
    expect(goneAt).toBeLessThan(leaseExpiresAt);

    const { task: done, events } = await waitForState(daemon.url, task.id, undefined, 30_000);
    expect(done.state).toBe('succeeded');
    expect(done.attempt).toBe(2);
    expect(events.filter((e) => e.kind === 'succeeded')).toHaveLength(1);
    expect(events.filter((e) => e.kind === 'claimed')).toHaveLength(2);
    // The guarded run recorded no result of its own: the lapsed lease put the task back in the queue.
    expect(events.some((e) => e.kind === 'requeued')).toBe(true);
    expect(events.some((e) => e.kind === 'retry_scheduled')).toBe(false);
    const pids = events.filter((e) => e.kind === 'started').map((e) => e.detail.pid);
    expect(new Set(pids).size).toBe(2);
    expect(daemon.logs().some((l) => l.msg === 'agent guard stopped an agent')).toBe(true);
  });

  it('takes its agent guard with it when it stops cleanly', async () => {
    const guards = readdirSync('/proc').filter((name) => {
      if (!/^\d+$/.test(name)) return false;
      try {
        const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        return (
          ppid === daemon.child.pid && readFileSync(`/proc/${name}/cmdline`, 'utf8').includes('guard-main.js')
        );
      } catch {
        return false;
      }
    });
    expect(guards).toHaveLength(1);
    expect((await daemon.stop()).code).toBe(0);
    const guard = Number(guards[0]);
    await waitFor(
      () => procState(guard) === undefined || procState(guard) === 'Z',
      10_000,
      'the guard to exit',
    );
  });
});

describe('a daemon with gateways', () => {
  let dir: string;
  afterAll(async () => {
    await cleanupDaemons();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('keeps its exec agents guarded, not killed: a run longer than tasks.guard_after succeeds at once', async () => {
    dir = await mkdtemp(join(tmpdir(), 'aidos-pause-gw-'));
    // The gateway launcher sits in front of the exec one: lease heartbeats must reach the guard
    // through it, or every exec agent there dies after guard_after.
    const daemon = await startDaemon({
      args: [
        '--config',
        writeStandinConfig(dir),
        '--set',
        'tasks.lease=6s',
        '--set',
        'tasks.guard_after=3s',
        '--set',
        'agents.gateway.enabled=true',
        '--set',
        `agents.gateway.port=${await freePort()}`,
        '--set',
        `agents.openclaw_command=${process.execPath} ${STANDIN}`,
      ],
    });
    const task = await submit(daemon.url, { message: 'sleep:5000 long', max_attempts: 1 });
    const { task: done } = await waitForState(daemon.url, task.id, undefined, 30_000);
    expect(done).toMatchObject({ state: 'succeeded', attempt: 1 });
    expect(daemon.logs().some((l) => l.msg === 'agent guard stopped an agent')).toBe(false);
  });
});
