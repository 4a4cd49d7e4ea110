import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../helpers/api.js';
import { cleanupDaemons, type DaemonProcess, startDaemon } from '../helpers/daemon-process.js';
import { writeStandinConfig } from '../helpers/standin-config.js';

interface Doc {
  status: string;
  checks: Record<string, { status: string; observedValue?: number; output?: string }[]>;
}

describe('business canary', () => {
  let dir: string;
  let daemon: DaemonProcess;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'aidos-canary-'));
    daemon = await startDaemon({
      args: ['--config', writeStandinConfig(dir), '--set', 'health.canary_profile=standin'],
    });
  });
  afterAll(async () => {
    await cleanupDaemons();
    await rm(dir, { recursive: true, force: true });
  });

  it('pushes a labelled canary task through claim, spawn and result, and times it', async () => {
    const res = await api<Doc>(daemon.url, 'GET', '/health/deep?fresh=1');
    const canary = res.body.checks['canary:pipeline']?.[0];
    expect(canary?.status).toBe('pass');
    expect(canary?.observedValue).toBeGreaterThan(0);
    const tasks = await api<{ tasks: { state: string; labels: Record<string, string> }[] }>(
      daemon.url,
      'GET',
      '/api/v1/tasks?label=aidos=canary',
    );
    expect(tasks.body.tasks.length).toBeGreaterThanOrEqual(1);
    expect(tasks.body.tasks.every((t) => t.state === 'succeeded')).toBe(true);
    const metrics = await fetch(`${daemon.url}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/aidos_task_claims_total\{profile="standin"\} [1-9]/);
  });
});
