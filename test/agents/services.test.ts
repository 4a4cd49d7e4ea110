import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { ServiceSupervisor, type ServiceSupervisorOptions } from '../../daemon/agents/index.js';
import type { AgentServiceConfig } from '../../daemon/config/schema.js';
import { isAlive, STANDIN, tempDir } from '../helpers/agents.js';
import { freePort } from '../helpers/postgres-server.js';
import { waitFor, withTimeout } from '../helpers/wait.js';

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function gateway(...extra: string[]): AgentServiceConfig {
  return { command: process.execPath, args: [STANDIN, 'gateway', 'run', ...extra], env: {}, enabled: true };
}

function supervise(
  services: Record<string, AgentServiceConfig>,
  options: Partial<ServiceSupervisorOptions> = {},
) {
  const tmp = tempDir();
  const sup = new ServiceSupervisor(services, { logDir: tmp.dir, killGraceMs: 500, ...options });
  const delays: number[] = [];
  sup.on('restart', (r) => delays.push(r.delayMs));
  cleanups.push(tmp.cleanup, () => sup.stop());
  return { sup, delays };
}

describe('ServiceSupervisor', () => {
  it('restarts a crashing service with growing delays, capped, then gives up', async () => {
    const { sup, delays } = supervise(
      { gw: gateway('crash-after:0') },
      { backoff: { initialMs: 20, factor: 1.5, maxMs: 60, stableMs: 10_000, maxQuickCrashes: 6 } },
    );
    const errored = once(sup, 'errored');
    sup.start();
    const [status] = await withTimeout(errored, 15_000, 'service to give up');
    expect(delays).toEqual([20, 30, 45, 60, 60]);
    expect(status).toMatchObject({ name: 'gw', state: 'errored', restarts: 5, pid: undefined });
    expect(status.lastExit).toMatchObject({ exitCode: 1, signal: undefined });
    expect(sup.status()[0]?.state).toBe('errored');
  });

  it('resets the backoff after a stable run, so a service that lives long enough is never given up', async () => {
    const { sup, delays } = supervise(
      { gw: gateway('crash-after:250') },
      { backoff: { initialMs: 20, factor: 2, maxMs: 1_000, stableMs: 150, maxQuickCrashes: 2 } },
    );
    sup.start();
    await waitFor(() => delays.length >= 3, 10_000, 'three restarts');
    expect(delays.slice(0, 3)).toEqual([20, 20, 20]);
    expect(sup.status()[0]?.state).not.toBe('errored');
  });

  it('reports readiness from ready_url and stops everything on stop()', async () => {
    const port = await freePort();
    const { sup } = supervise(
      {
        ready: { ...gateway('--port', String(port)), ready_url: `http://127.0.0.1:${port}/readyz` },
        plain: gateway(),
        off: { ...gateway(), enabled: false },
      },
      { readyPollMs: 50 },
    );
    const states: string[] = [];
    sup.on('change', (s) => s.name === 'ready' && states.push(s.state));
    sup.start();
    await waitFor(() => sup.status().every((s) => s.state === 'running'), 10_000, 'both services running');
    expect(states.slice(0, 2)).toEqual(['starting', 'running']);
    expect(sup.status().map((s) => s.name)).toEqual(['ready', 'plain']);
    // "running" is set at spawn; the greeting arrives when the process has got that far.
    await waitFor(
      () => sup.recentLines('plain').some((l) => l.text.startsWith('gateway up')),
      10_000,
      'plain to greet',
    );
    const pids = sup.status().map((s) => s.pid as number);
    await sup.stop();
    expect(sup.status().map((s) => s.state)).toEqual(['stopped', 'stopped']);
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
  });
});
