import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, getTask, submit, waitForState } from '../helpers/api.js';
import { runAidos } from '../helpers/cli.js';
import { cleanupDaemons, type DaemonProcess, startDaemon } from '../helpers/daemon-process.js';
import { writeStandinConfig } from '../helpers/standin-config.js';
import { waitFor } from '../helpers/wait.js';

// store-latency on a real daemon (SQLite, stand-in agents): the decorator on the `wrap.store` seam.
let dir: string;
let daemon: DaemonProcess;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'aidos-chaos-store-'));
  daemon = await startDaemon({
    args: ['--config', writeStandinConfig(dir), '--set', 'chaos.enabled=true'],
  });
}, 60_000);

afterAll(async () => {
  await cleanupDaemons();
  await rm(dir, { recursive: true, force: true });
});

const chaos = (...args: string[]) => runAidos(['chaos', ...args, '--url', daemon.url]);

/** The quickest of three timed calls: what the fault adds shows even on a loaded machine. */
async function quickest(call: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const start = performance.now();
    await call();
    times.push(performance.now() - start);
  }
  return Math.min(...times);
}

const submitAndList = async () => {
  await submit(daemon.url, { message: 'quick' });
  const list = await api(daemon.url, 'GET', '/api/v1/tasks?limit=5');
  expect(list.status).toBe(200);
};

describe('store-latency', () => {
  it('refuses bad params naming the field, changing nothing', async () => {
    const bad = await chaos('inject', 'store-latency', 'facet=queue', 'latency_ms=10', '--duration', '5s');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/facet/);
    const unknown = await chaos(
      'inject',
      'store-latency',
      'latency_ms=10',
      'methods=["nope"]',
      '--duration',
      '5s',
    );
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/methods: nope/);
    const idle = await chaos('inject', 'store-latency', '--duration', '5s');
    expect(idle.stderr).toMatch(/latency_ms/);
    expect(JSON.parse((await chaos('status', '--json')).stdout).active_faults).toEqual([]);
  }, 30_000);

  it('slows task submit and list by latency_ms while in force, and not after the abort', async () => {
    const before = await quickest(submitAndList);
    const r = await chaos('inject', 'store-latency', 'latency_ms=300', '--duration', '30s', '--json');
    expect(r.code, r.stderr).toBe(0);
    const { fault } = JSON.parse(r.stdout);
    expect(fault).toMatchObject({ kind: 'store-latency', target: 'store tasks' });
    const status = JSON.parse((await chaos('status', '--json')).stdout);
    expect(status.active_faults).toMatchObject([{ id: fault.id, kind: 'store-latency' }]);
    // A submit and a list are at least two store calls on the tasks facet: ≥ 600 ms, 250 asked.
    expect(await quickest(submitAndList)).toBeGreaterThanOrEqual(250);
    expect((await chaos('abort')).code).toBe(0);
    const after = await quickest(submitAndList);
    expect(after).toBeLessThan(250);
    expect(after).toBeLessThan(before + 200);
  }, 30_000);

  it('with error_rate 1 answers a store outage (503) and fails readiness; afterwards every task ends once', async () => {
    const tasks = await Promise.all(
      [1, 2, 3, 4].map((i) => submit(daemon.url, { message: `sleep:1500 t${i}` })),
    );
    const r = await chaos('inject', 'store-latency', 'error_rate=1', '--duration', '4s', '--json');
    expect(r.code, r.stderr).toBe(0);
    const refused = await api<{ error: { code: string; message: string } }>(
      daemon.url,
      'POST',
      '/api/v1/tasks',
      {
        message: 'during the outage',
      },
    );
    expect(refused.status).toBe(503);
    expect(refused.body.error).toMatchObject({ code: 'unavailable' });
    expect(refused.body.error.message).toMatch(/store unavailable/);
    await waitFor(
      async () => (await fetch(`${daemon.url}/health/ready`)).status === 503,
      10_000,
      'readiness to fail while the store errors',
    );
    // The deadline reverts it; readiness and the tasks come back.
    await waitFor(
      async () => JSON.parse((await chaos('status', '--json')).stdout).active_faults.length === 0,
      15_000,
      'the deadline revert',
    );
    await waitFor(async () => (await fetch(`${daemon.url}/health/ready`)).ok, 15_000, 'readiness back');
    for (const t of tasks) {
      const { task, events } = await waitForState(daemon.url, t.id, undefined, 30_000);
      expect(task.state).toBe('succeeded');
      expect(
        events.filter((e) => ['succeeded', 'failed', 'cancelled', 'dead'].includes(e.kind)),
      ).toHaveLength(1);
    }
    expect((await getTask(daemon.url, tasks[0]?.id ?? '')).task.state).toBe('succeeded');
  }, 60_000);
});
