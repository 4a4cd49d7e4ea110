import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, submit, waitForState } from '../helpers/api.js';
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

  beforeAll(async () => {
    disk = await mountSmallDisk(32);
    dir = await mkdtemp(join(tmpdir(), 'aidos-fd-'));
    d = await startDaemon({
      dataDir: disk.path,
      args: ['--config', writeStandinConfig(dir), '--set', 'health.schedules.fast=* * * * * *'],
    });
  });

  afterAll(async () => {
    await cleanupDaemons();
    await disk?.unmount();
    await rm(dir, { recursive: true, force: true });
  });

  it('drops agent output it cannot write, counts it in health, and stays up', async () => {
    // A first task grows the WAL, so the store keeps room once the disk is full.
    const warm = await submit(d.url, { message: 'warm up' });
    await waitForState(d.url, warm.id);
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
});
