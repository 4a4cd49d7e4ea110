import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterNode } from '../../shared/cluster.js';
import { runAidos } from '../helpers/cli.js';
import { cleanupDaemons, type DaemonProcess, startDaemon } from '../helpers/daemon-process.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres-db.js';
import { waitFor } from '../helpers/wait.js';
import { connectClient } from '../helpers/ws.js';

// Real daemons as child processes on 127.0.0.1, one shared PostgreSQL (the cluster's store), LAN
// timings. One cluster goes through the life of its members in order, to keep the file short.
const KEY = 'integration-cluster-key-0123456789abcdef';
let db: TestDatabase;
let a: DaemonProcess;
let b: DaemonProcess;
let c: DaemonProcess;

function member(
  seed: DaemonProcess | undefined,
  opts: { key?: string; db?: string; port?: number; dataDir?: string } = {},
) {
  return startDaemon({
    // Readiness needs the store and a joined cluster; the tests wait for what they assert instead.
    waitReady: false,
    args: [
      '--db',
      opts.db ?? db.url,
      '--set',
      'roles=api',
      ...(seed ? ['--join', `127.0.0.1:${seed.port}`] : []),
    ],
    env: { AIDOS_CLUSTER_KEY: opts.key ?? KEY, AIDOS_LOG_LEVEL: 'info' },
    ...(opts.port ? { port: opts.port } : {}),
    ...(opts.dataDir ? { dataDir: opts.dataDir } : {}),
  });
}

async function nodes(d: DaemonProcess): Promise<ClusterNode[]> {
  const res = await fetch(`${d.url}/api/v1/nodes`);
  return ((await res.json()) as { nodes: ClusterNode[] }).nodes;
}

async function stateOf(observer: DaemonProcess, subject: DaemonProcess): Promise<string | undefined> {
  return (await nodes(observer)).find((n) => n.id === `n${subject.port}`)?.state;
}

async function everyoneSees(observers: DaemonProcess[], subject: DaemonProcess, state: string, ms = 60_000) {
  await waitFor(
    async () => (await Promise.all(observers.map((o) => stateOf(o, subject)))).every((s) => s === state),
    ms,
    `n${subject.port} ${state} on ${observers.map((o) => `n${o.port}`).join(', ')}`,
  );
}

async function rejected(d: DaemonProcess, reason: string): Promise<number> {
  const text = await (await fetch(`${d.url}/metrics`)).text();
  const line = text
    .split('\n')
    .find((l) => l.startsWith('aidos_gossip_rejected_total') && l.includes(`reason="${reason}"`));
  return line ? Number(line.split(' ').pop()) : 0;
}

beforeAll(async () => {
  db = await createTestDatabase('aidos_cluster');
  a = await member(undefined);
  [b, c] = await Promise.all([member(a), member(a)]);
}, 60_000);

afterAll(async () => {
  await cleanupDaemons();
  await db?.drop();
});

describe('a cluster of real daemons', { timeout: 180_000 }, () => {
  it('three daemons converge, and any of them describes the whole cluster', async () => {
    for (const d of [a, b, c])
      await waitFor(
        async () => (await nodes(d)).filter((n) => n.state === 'alive').length === 3,
        20_000,
        `3 alive on n${d.port}`,
      );
    const list = await runAidos(['node', 'list', '--json', '--url', b.url]);
    expect(list.code).toBe(0);
    const seen = JSON.parse(list.stdout) as ClusterNode[];
    expect(seen.map((n) => n.id).sort()).toEqual([a, b, c].map((d) => `n${d.port}`).sort());
    const self = seen.find((n) => n.self)!;
    expect(self).toMatchObject({
      id: `n${b.port}`,
      roles: ['api'],
      drain: false,
      version: expect.any(String),
    });
    expect(new Set(seen.map((n) => n.store_identity)).size).toBe(1);
    const show = await runAidos(['node', 'show', `n${c.port}`, '--url', a.url]);
    expect(show.stdout).toContain(`127.0.0.1:${c.port}`);
    const missing = await runAidos(['node', 'show', 'nobody', '--url', a.url]);
    expect(missing.code).toBe(2);
    const cluster = await (await fetch(`${a.url}/health/cluster`)).json();
    expect((cluster as { checks: Record<string, unknown[]> }).checks['cluster:member']).toHaveLength(3);
    // aidos status on a member: this daemon, then the cluster and every member in one view.
    const status = await runAidos(['status', '--url', c.url]);
    expect(status.code).toBe(0);
    expect(status.stdout.split('\n')[0]).toMatch(
      new RegExp(`^n${c.port} \\S+: running, up \\S+, store postgres `),
    );
    expect(status.stdout).toMatch(/^cluster: (PASS|WARN|FAIL), 3 members/m);
    expect(status.stdout).toMatch(
      /^ID +ADDRESS +STATE +INC +ROLES +SLOTS +CPU MEM AGENTS +HEALTH +DRAIN +SEEN$/m,
    );
    for (const d of [a, b, c])
      expect(status.stdout).toMatch(new RegExp(`^n${d.port}\\*? +127\\.0\\.0\\.1:${d.port} +alive `, 'm'));
  });

  it('a SIGSTOPped member is declared dead, and after SIGCONT it refutes and is alive again', async () => {
    const ws = await connectClient(a.url);
    ws.send({ type: 'request', id: 1, op: 'subscribe', params: { topics: ['nodes'] } });
    const snapshot = await ws.next((f) => f.type === 'event' && f.kind === 'snapshot', 10_000);
    expect((snapshot.data as ClusterNode[]).length).toBe(3);
    const before = (await nodes(a)).find((n) => n.id === `n${c.port}`)!.incarnation;
    c.child.kill('SIGSTOP');
    try {
      await everyoneSees([a, b], c, 'dead');
      const change = await ws.next(
        (f) => f.type === 'event' && f.kind === 'change' && (f.data as ClusterNode).id === `n${c.port}`,
        20_000,
      );
      expect(['suspect', 'dead']).toContain((change.data as ClusterNode).state);
    } finally {
      c.child.kill('SIGCONT');
    }
    await everyoneSees([a, b], c, 'alive');
    expect((await nodes(a)).find((n) => n.id === `n${c.port}`)!.incarnation).toBeGreaterThan(before);
    ws.ws.close();
  });

  it('kill -9 is detected by every survivor; a restart with the same id rejoins alive', async () => {
    const { port, dataDir } = c;
    await c.kill9();
    await everyoneSees([a, b], c, 'dead');
    c = await member(a, { port, dataDir });
    await everyoneSees([a, b], c, 'alive');
  });

  it('a graceful stop is seen as left, not dead', async () => {
    await c.stop();
    await everyoneSees([a, b], c, 'left', 30_000);
  });

  it('a daemon with a wrong key, and one on another store, are refused and counted on both sides', async () => {
    const stranger = await member(a, { key: 'some-other-cluster-key-0123456789abcdef' });
    await waitFor(async () => (await rejected(a, 'auth')) > 0, 45_000, 'the wrong key counted on the seed');
    await waitFor(
      async () => (await rejected(stranger, 'handshake')) > 0,
      15_000,
      'the refusal counted by it',
    );
    const other = await createTestDatabase('aidos_cluster_other');
    try {
      const foreign = await member(a, { db: other.url });
      await waitFor(
        async () => (await rejected(a, 'store_identity')) > 0,
        15_000,
        'another store on the seed',
      );
      await waitFor(
        async () => (await rejected(foreign, 'store_identity')) > 0,
        15_000,
        'and on the newcomer',
      );
      expect(foreign.output()).toContain('peer refused this node: store identity');
      expect(a.output()).toContain('refusing a peer on another store');
      expect((await nodes(foreign)).map((n) => n.id)).toEqual([`n${foreign.port}`]);
      await foreign.stop();
    } finally {
      await other.drop();
    }
    expect((await nodes(a)).map((n) => n.id)).not.toContain(`n${stranger.port}`);
    expect(await stateOf(a, b)).toBe('alive');
  });
});
