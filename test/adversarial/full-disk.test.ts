import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { api, getTask, submit, waitForState } from '../helpers/api.js';
import { cleanupDaemons, type DaemonProcess, startDaemon } from '../helpers/daemon-process.js';
import { writeStandinConfig } from '../helpers/standin-config.js';
import { mountSmallDisk, type SmallDisk, smallDiskUnavailable } from '../helpers/tmpfs.js';
import { waitFor } from '../helpers/wait.js';

const unavailable = smallDiskUnavailable();
if (unavailable) console.log(`full-disk tests skipped: ${unavailable}`);

type Deep = { checks: Record<string, { status: string; output?: string }[]> };

async function check(d: DaemonProcess, name: string) {
  const res = await api<Deep>(d.url, 'GET', '/health/deep');
  return res.body.checks[name]?.[0];
}

describe.skipIf(unavailable !== undefined)('a full disk under the data dir', () => {
  let disk: SmallDisk;
  let dir: string;
  let d: DaemonProcess;
  /** Stand-in agents, health checks every second, and this disk floor. */
  const daemonArgs = (floorMb: number) => [
    '--config',
    writeStandinConfig(dir),
    '--set',
    'health.schedules.fast=* * * * * *',
    '--set',
    `tasks.disk_floor_mb=${floorMb}`,
  ];

  beforeAll(async () => {
    disk = await mountSmallDisk(64);
    dir = await mkdtemp(join(tmpdir(), 'aidos-fd-'));
    d = await startDaemon({
      dataDir: disk.path,
      // No floor here: these tests fill the disk to see what a launch and a log write do then.
      args: daemonArgs(0),
    });
    // Two big tasks grow the WAL past SQLite's checkpoint size: after the checkpoint it is reused
    // from its start, so the store keeps room in it once the disk is full, as in production.
    // They never run (an agent would echo 3 MB into its log): they wait for next year, then are cancelled.
    for (let i = 0; i < 2; i++) {
      const warm = await submit(d.url, {
        message: `warm up ${'x'.repeat(3_000_000)}`,
        run_after: Date.now() + 365 * 86_400_000,
      });
      await api(d.url, 'POST', `/api/v1/tasks/${warm.id}/cancel`, {});
    }
  });

  afterEach(async () => {
    await disk?.free();
  });

  afterAll(async () => {
    await cleanupDaemons();
    await disk?.unmount();
    await rm(dir, { recursive: true, force: true });
  });

  it('drops agent output it cannot write, counts it in health, and stays up', async () => {
    await disk.fill(512 * 1024);
    const big = await submit(d.url, { message: 'bigout:8' });
    await waitFor(
      async () => (await check(d, 'agents:log-write-failures'))?.status === 'warn',
      30_000,
      'health to report failed log writes',
    );
    expect(d.child.exitCode).toBeNull();
    expect((await check(d, 'agents:log-write-failures'))?.output).toContain('ENOSPC');
    await disk.free();
    const done = await waitForState(d.url, big.id, undefined, 30_000);
    expect(done.task.state).toBe('succeeded');
    expect((await fetch(`${d.url}/health`)).status).toBe(200);
  });

  it('puts tasks whose agent cannot start for lack of disk back in the queue, and runs them once there is room', async () => {
    await disk.fill();
    const accepted: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await api<{ task?: { id: string }; error?: { message: string } }>(
        d.url,
        'POST',
        '/api/v1/tasks',
        { message: `after full ${i}` },
      );
      // Accepted while the WAL has room; otherwise refused as unavailable, with the reason.
      if (res.status === 503) expect(res.body.error?.message).toContain('disk is full');
      else {
        expect(res.status).toBe(201);
        accepted.push(res.body.task?.id as string);
      }
    }
    expect(accepted.length).toBeGreaterThan(0);
    for (const id of accepted) {
      const deferred = await waitFor(
        async () => {
          const detail = await getTask(d.url, id);
          expect(['failed', 'dead']).not.toContain(detail.task.state);
          return detail.events.some((e) => e.kind === 'launch_deferred') ? detail : undefined;
        },
        30_000,
        `task ${id} to be deferred`,
      );
      expect(deferred.task.attempt).toBeLessThan(deferred.task.max_attempts);
    }
    await disk.free();
    for (const id of accepted) {
      const done = await waitForState(d.url, id, undefined, 60_000);
      expect(done.task.state).toBe('succeeded');
    }
  }, 120_000);

  it('stops claiming while the disk is below its floor, and readiness says why', async () => {
    const floored = await startDaemon({
      dataDir: join(disk.path, 'floored'),
      args: daemonArgs(16),
    });
    await disk.fill(8 * 1024 * 1024);
    await waitFor(
      async () => (await fetch(`${floored.url}/health/ready`)).status === 503,
      30_000,
      'readiness to fail',
    );
    expect((await check(floored, 'tasks:claiming'))?.output).toContain('disk below floor');
    const task = await submit(floored.url, { message: 'waits for room' });
    // Two claim rounds (poll_interval 1s) pass without a claim while the disk stays full.
    await waitFor(async () => (await check(floored, 'tasks:claiming'))?.status === 'fail', 10_000);
    expect((await getTask(floored.url, task.id)).task.state).toBe('queued');
    await disk.free();
    const done = await waitForState(floored.url, task.id, undefined, 30_000);
    expect(done.task.state).toBe('succeeded');
  }, 90_000);
});
