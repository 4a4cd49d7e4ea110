import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadLibrary } from '../../chaos/scenario/load.js';
import type { ClusterNode } from '../../shared/cluster.js';
import { runAidos } from '../helpers/cli.js';
import { cleanupDaemons, type DaemonProcess, startDaemon } from '../helpers/daemon-process.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres-db.js';
import { writeStandinConfig } from '../helpers/standin-config.js';
import { waitFor } from '../helpers/wait.js';

// The `network` fault on a real 3-node cluster of daemons over a real PostgreSQL: the
// partition-one scenario's own fault cuts one node from its peers, the others see it go, an abort
// heals it, and nothing stays injected. Shaping faults revert on their deadline.
const KEY = 'network-chaos-cluster-key-0123456789abcdef';
let db: TestDatabase;
let a: DaemonProcess;
let b: DaemonProcess;
let c: DaemonProcess;
let dir: string;
let config: string;

function member(seed: DaemonProcess | undefined) {
  return startDaemon({
    waitReady: false,
    args: [
      '--db',
      db.url,
      '--config',
      config,
      '--set',
      'chaos.enabled=true',
      ...(seed ? ['--join', `127.0.0.1:${seed.port}`] : []),
    ],
    env: { AIDOS_CLUSTER_KEY: KEY },
  });
}

async function nodeList(observer: DaemonProcess): Promise<ClusterNode[]> {
  const r = await runAidos(['node', 'list', '--json', '--url', observer.url]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as ClusterNode[];
}

async function everyoneSees(observers: DaemonProcess[], subject: DaemonProcess, states: string[]) {
  await waitFor(
    async () => {
      const seen = await Promise.all(
        observers.map(async (o) => (await nodeList(o)).find((n) => n.id === `n${subject.port}`)?.state),
      );
      return seen.every((s) => s !== undefined && states.includes(s));
    },
    40_000,
    `n${subject.port} ${states.join('/')} on ${observers.map((o) => `n${o.port}`).join(', ')}`,
  );
}

async function activeFaults(d: DaemonProcess): Promise<unknown[]> {
  const r = await runAidos(['chaos', 'status', '--json', '--url', d.url]);
  return (JSON.parse(r.stdout) as { active_faults: unknown[] }).active_faults;
}

beforeAll(async () => {
  db = await createTestDatabase('aidos_chaos_net');
  dir = await mkdtemp(join(tmpdir(), 'aidos-chaos-net-'));
  config = writeStandinConfig(dir);
  a = await member(undefined);
  [b, c] = await Promise.all([member(a), member(a)]);
  for (const d of [a, b])
    await waitFor(
      async () => (await nodeList(d)).filter((n) => n.state === 'alive').length === 3,
      20_000,
      `3 alive on n${d.port}`,
    );
}, 60_000);

afterAll(async () => {
  await cleanupDaemons();
  await db?.drop();
  await rm(dir, { recursive: true, force: true });
});

describe('chaos network faults on a cluster', { timeout: 90_000 }, () => {
  it('partition-one: the cut node goes suspect/dead on its peers, an abort heals it, nothing is left', async () => {
    const scenario = loadLibrary().get('partition-one');
    const step = scenario?.steps[0];
    const fault = step && 'fault' in step ? step.fault : undefined;
    expect(fault).toMatchObject({ kind: 'network', peers: 'all', direction: 'both', partition: true });
    const injected = await runAidos([
      'chaos',
      'inject',
      'network',
      ...Object.entries(fault ?? {})
        .filter(([k]) => k !== 'kind')
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`),
      '--duration',
      '60s',
      '--url',
      c.url,
    ]);
    expect(injected.code, injected.stderr).toBe(0);
    expect(injected.stdout).toMatch(/network on peers all \(both\)/);
    await everyoneSees([a, b], c, ['suspect', 'dead']);
    const abort = await runAidos(['chaos', 'abort', '--url', c.url]);
    expect(abort.code, abort.stderr).toBe(0);
    expect(await activeFaults(c)).toEqual([]);
    await everyoneSees([a, b], c, ['alive']);
    await everyoneSees([b, c], a, ['alive']);
  });

  it('delay ± jitter with loss reverts on its deadline; bad rules are refused naming the field', async () => {
    const shaped = await runAidos([
      'chaos',
      'inject',
      'network',
      'delay_ms=50',
      'jitter_ms=20',
      'loss=0.1',
      '--duration',
      // Long enough that the status call after it (a CLI start on a loaded machine) still sees it.
      '6s',
      '--url',
      b.url,
    ]);
    expect(shaped.code, shaped.stderr).toBe(0);
    expect(await activeFaults(b)).toHaveLength(1);
    await waitFor(
      async () => (await activeFaults(b)).length === 0,
      15_000,
      'the delay reverted on its deadline',
    );
    const throttled = await runAidos([
      'chaos',
      'inject',
      'network',
      'bandwidth_kbps=0',
      '--duration',
      '5s',
      '--url',
      b.url,
    ]);
    expect(throttled.code).not.toBe(0);
    expect(throttled.stderr).toMatch(/bandwidth_kbps/);
    const stranger = await runAidos([
      'chaos',
      'inject',
      'network',
      'peers=["nobody"]',
      'partition=true',
      '--duration',
      '5s',
      '--url',
      b.url,
    ]);
    expect(stranger.stderr).toMatch(/peers: no member nobody/);
    expect(await activeFaults(b)).toEqual([]);
    await everyoneSees([a, c], b, ['alive']);
  });

  it('runs the partition-one drill as shipped: passed, no task lost or run twice, nothing left', async () => {
    const r = await runAidos(
      ['chaos', 'run', 'partition-one', '--wait', '--json', '--url', c.url],
      {},
      80_000,
    );
    expect(r.stderr).toBe('');
    const report = JSON.parse(r.stdout);
    expect(r.code, report.checks ? JSON.stringify(report.checks) : r.stdout).toBe(0);
    expect(report).toMatchObject({ scenario: 'partition-one', verdict: 'passed', left_injected: [] });
    expect(report.tasks).toMatchObject({ lost: 0, completed_twice: 0 });
    expect(await activeFaults(c)).toEqual([]);
  }, 90_000);
});
