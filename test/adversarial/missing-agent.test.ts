import { afterAll, describe, expect, it } from 'vitest';
import { api, getTask, submit } from '../helpers/api.js';
import { cleanupDaemons, startDaemon } from '../helpers/daemon-process.js';
import { waitFor } from '../helpers/wait.js';

afterAll(async () => {
  await cleanupDaemons();
});

type Deep = { checks: Record<string, { status: string; output?: string }[]> };

describe('a task for an agent that is not installed', () => {
  it('waits in the queue with the reason shown instead of dying after exit-127 runs', async () => {
    const d = await startDaemon({
      args: ['--set', 'agents.openclaw_command=/nonexistent/openclaw', '--set', 'tasks.retry_base=50ms'],
      // Not ready while it cannot claim: that is the point.
      waitReady: false,
    });
    await waitFor(
      async () => (await fetch(`${d.url}/health`).catch(() => undefined))?.ok,
      20_000,
      'liveness',
    );
    const task = await submit(d.url, { message: 'hello', max_attempts: 2 });
    const detail = await waitFor(
      async () => {
        const got = await getTask(d.url, task.id);
        return got.events.filter((e) => e.kind === 'launch_deferred').length >= 3 ? got : undefined;
      },
      30_000,
      'launches to be deferred',
    );
    expect(detail.task.state).toBe('queued');
    expect(detail.task.attempt).toBe(0);
    expect(detail.task.error).toContain('not installed');
    const deep = await waitFor(
      async () => {
        const res = await api<Deep>(d.url, 'GET', '/health/deep');
        const claiming = res.body.checks['tasks:claiming']?.[0];
        return claiming?.status === 'fail' ? claiming : undefined;
      },
      30_000,
      'readiness to say why',
    );
    expect(deep.output).toContain('is not installed on this node');
  });
});
