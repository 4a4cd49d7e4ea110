import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterNode } from '../../shared/cluster.js';
import { getTask, submit, waitForState } from '../helpers/api.js';
import { cleanupDaemons, type DaemonProcess, startDaemon } from '../helpers/daemon-process.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres-db.js';
import { writeStandinConfig } from '../helpers/standin-config.js';
import { waitFor } from '../helpers/wait.js';

// Real daemons as child processes on one PostgreSQL. The lease is 60 s, so only failover (dead in
// gossip + a stale heartbeat row) can explain a task running again within the bound asserted below.
const KEY = 'integration-failover-key-0123456789abcdef';
const LEASE_MS = 60_000;
let db: TestDatabase;
let dir: string;
let config: string;

function worker(seed: DaemonProcess | undefined): Promise<DaemonProcess> {
  return startDaemon({
    waitReady: false,
    args: ['--db', db.url, '--config', config, ...(seed ? ['--join', `127.0.0.1:${seed.port}`] : [])],
    env: { AIDOS_CLUSTER_KEY: KEY },
  });
}

async function alive(observer: DaemonProcess): Promise<number> {
  const res = await fetch(`${observer.url}/api/v1/nodes`);
  return ((await res.json()) as { nodes: ClusterNode[] }).nodes.filter((n) => n.state === 'alive').length;
}

beforeAll(async () => {
  db = await createTestDatabase('aidos_failover');
  dir = await mkdtemp(join(tmpdir(), 'aidos-failover-'));
  config = writeStandinConfig(dir, {
    tasks: { lease: `${LEASE_MS}ms`, renew_every: '2s', guard_after: '6s', poll_interval: '1s' },
  });
}, 60_000);

afterAll(async () => {
  await cleanupDaemons();
  await db?.drop();
  await rm(dir, { recursive: true, force: true });
});

describe('failover of a dead node', { timeout: 180_000 }, () => {
  it('kill -9 of the node running a task: a survivor re-queues it at once and it succeeds once', async () => {
    const a = await worker(undefined);
    await waitFor(async () => (await fetch(`${a.url}/health/ready`)).ok, 30_000, 'node A ready');
    // Attempt 1 hangs (on A, the only node yet); attempt 2 succeeds wherever it runs.
    const task = await submit(a.url, { message: 'hang-until:2 failover' });
    await waitForState(a.url, task.id, ['running'], 30_000);
    const [b, c] = await Promise.all([worker(a), worker(a)]);
    for (const d of [b!, c!])
      await waitFor(async () => (await alive(d)) === 3, 30_000, `3 alive on n${d.port}`);
    const running = (await getTask(b!.url, task.id)).task;
    expect(running).toMatchObject({ state: 'running', node_id: `n${a.port}`, attempt: 1 });

    const killedAt = Date.now();
    await a.kill9();
    await waitForState(b!.url, task.id, ['succeeded', 'failed', 'dead', 'cancelled'], 50_000);
    const elapsed = Date.now() - killedAt;

    const { task: final, events } = await getTask(b!.url, task.id);
    expect(final).toMatchObject({ state: 'succeeded', attempt: 2 });
    expect([`n${b!.port}`, `n${c!.port}`]).toContain(final.node_id);
    // Well before the 60 s lease could have lapsed (it was renewed up to the kill).
    expect(elapsed).toBeLessThan(LEASE_MS - 10_000);
    const requeued = events.filter((e) => e.kind === 'requeued');
    expect(requeued).toHaveLength(1);
    expect(requeued[0]!.detail).toMatchObject({ reason: 'node_dead', previous_node: `n${a.port}` });
    expect(requeued[0]!.fence).toBeGreaterThan(running.fence);
    expect(events.filter((e) => e.kind === 'succeeded')).toHaveLength(1);
  });
});
