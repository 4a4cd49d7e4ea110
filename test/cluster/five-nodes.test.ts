import { afterAll, describe, expect, it } from 'vitest';
import type { ClusterNode } from '../../shared/cluster.js';
import { cleanupDaemons, type DaemonProcess, startDaemon } from '../helpers/daemon-process.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres-db.js';
import { waitFor } from '../helpers/wait.js';

// Five real daemons (child processes) on one PostgreSQL with LAN timings: join, converge, and find a
// kill -9 within the protocol's bounds. Kept lean: one cluster, two steps.
const KEY = 'five-node-cluster-key-0123456789abcdef';
let db: TestDatabase | undefined;

afterAll(async () => {
  await cleanupDaemons();
  await db?.drop();
});

const start = (url: string, seed?: DaemonProcess) =>
  startDaemon({
    waitReady: false,
    args: ['--db', url, ...(seed ? ['--join', `127.0.0.1:${seed.port}`] : [])],
    env: { AIDOS_CLUSTER_KEY: KEY, AIDOS_LOG_LEVEL: 'warn' },
  });

async function states(observer: DaemonProcess): Promise<Map<string, string>> {
  const { nodes } = (await (await fetch(`${observer.url}/api/v1/nodes`)).json()) as { nodes: ClusterNode[] };
  return new Map(nodes.map((n) => [n.id, n.state]));
}

describe('a five-node cluster of real daemons', { timeout: 60_000 }, () => {
  it('joins through one seed, converges, and every survivor finds a kill -9', async () => {
    db = await createTestDatabase('aidos_five');
    const seed = await start(db.url);
    const others = await Promise.all([1, 2, 3, 4].map(() => start(db!.url, seed)));
    const all = [seed, ...others];
    const ids = all.map((d) => `n${d.port}`);
    await waitFor(
      async () =>
        (await Promise.all(all.map(states))).every((seen) => ids.every((id) => seen.get(id) === 'alive')),
      30_000,
      'all five alive on all five',
    );
    const victim = others[2]!;
    const survivors = all.filter((d) => d !== victim);
    await victim.kill9();
    // LAN: within a period a survivor probes it (the reset connections make them probe at once),
    // then a confirmed suspicion of 0.5 s; 15 s is generous for a loaded machine.
    await waitFor(
      async () =>
        (await Promise.all(survivors.map(states))).every((seen) => seen.get(`n${victim.port}`) === 'dead'),
      15_000,
      `n${victim.port} dead on every survivor`,
    );
    for (const seen of await Promise.all(survivors.map(states)))
      for (const d of survivors) expect(seen.get(`n${d.port}`)).toBe('alive');
  });
});
