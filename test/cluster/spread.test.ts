import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterNode } from '../../shared/cluster.js';
import type { Task } from '../../shared/tasks.js';
import { api, getTask, submit, waitForState } from '../helpers/api.js';
import { cleanupDaemons, type DaemonProcess, startDaemon } from '../helpers/daemon-process.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres-db.js';
import { writeStandinConfig } from '../helpers/standin-config.js';
import { waitFor } from '../helpers/wait.js';

// Load-aware placement on real daemons sharing one PostgreSQL: every node has 4 slots, so without
// holding back the first node woken would take 4 of a burst and leave its peers idle.
const KEY = 'integration-spread-key-0123456789abcdef';
let db: TestDatabase;
let dir: string;
let config: string;

function worker(seed: DaemonProcess | undefined): Promise<DaemonProcess> {
  return startDaemon({
    args: ['--db', db.url, '--config', config, ...(seed ? ['--join', `127.0.0.1:${seed.port}`] : [])],
    env: { AIDOS_CLUSTER_KEY: KEY },
  });
}

async function seesAlive(observer: DaemonProcess, n: number): Promise<boolean> {
  const { nodes } = (await api<{ nodes: ClusterNode[] }>(observer.url, 'GET', '/api/v1/nodes')).body;
  return nodes.filter((m) => m.state === 'alive').length === n;
}

/** Submits `n` long tasks, waits until every one runs, and returns how many run on each node. */
async function runAll(
  via: DaemonProcess,
  n: number,
): Promise<{ tasks: Task[]; perNode: Map<string, number> }> {
  const submitted = await Promise.all(
    Array.from({ length: n }, (_, i) => submit(via.url, { message: `sleep:60000 spread-${i}` })),
  );
  const tasks: Task[] = [];
  for (const t of submitted) tasks.push((await waitForState(via.url, t.id, ['running'], 60_000)).task);
  const perNode = new Map<string, number>();
  for (const t of tasks) perNode.set(t.node_id ?? '', (perNode.get(t.node_id ?? '') ?? 0) + 1);
  return { tasks, perNode };
}

async function cancelAll(via: DaemonProcess, tasks: Task[]): Promise<void> {
  for (const t of tasks) await api(via.url, 'POST', `/api/v1/tasks/${t.id}/cancel`);
  for (const t of tasks) await waitForState(via.url, t.id, ['cancelled', 'succeeded'], 30_000);
}

beforeAll(async () => {
  db = await createTestDatabase('aidos_spread');
  dir = await mkdtemp(join(tmpdir(), 'aidos-spread-'));
  config = writeStandinConfig(dir);
}, 60_000);

afterAll(async () => {
  await cleanupDaemons();
  await db?.drop();
  await rm(dir, { recursive: true, force: true });
});

describe('load-aware placement', { timeout: 240_000 }, () => {
  it('spreads uniform work within one task per node of even, and a node that joins later takes work at once', async () => {
    const a = await worker(undefined);
    const b = await worker(a);
    for (const d of [a, b]) await waitFor(() => seesAlive(d, 2), 30_000, `2 alive on n${d.port}`);

    // Two nodes, 4 tasks: 2 each, although either could run all 4.
    const first = await runAll(a, 4);
    expect([...first.perNode.values()].sort()).toEqual([2, 2]);

    // A third node joins while both others run 2: the next 3 tasks go to it, not to the busier two.
    const c = await worker(a);
    for (const d of [a, b, c]) await waitFor(() => seesAlive(d, 3), 30_000, `3 alive on n${d.port}`);
    const second = await runAll(b, 3);
    expect(second.perNode.get(`n${c.port}`) ?? 0).toBeGreaterThanOrEqual(2);
    const counts = [a, b, c].map(
      (d) => (first.perNode.get(`n${d.port}`) ?? 0) + (second.perNode.get(`n${d.port}`) ?? 0),
    );
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
    await cancelAll(a, [...first.tasks, ...second.tasks]);

    // A burst of 9 on three idle nodes (12 slots): within one task per node of even.
    const burst = await runAll(c, 9);
    const spread = [a, b, c].map((d) => burst.perNode.get(`n${d.port}`) ?? 0);
    for (const n of spread) expect(Math.abs(n - 3), JSON.stringify(spread)).toBeLessThanOrEqual(1);

    // Each task ran once: one claim each, no second attempt.
    await cancelAll(a, burst.tasks);
    for (const t of burst.tasks) {
      const { events } = await getTask(a.url, t.id);
      expect(events.filter((e) => e.kind === 'claimed')).toHaveLength(1);
    }
  });
});
