import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterNode } from '../../shared/cluster.js';
import type { Task } from '../../shared/tasks.js';
import { api, getTask, submit, waitForState } from '../helpers/api.js';
import { runAidos } from '../helpers/cli.js';
import { AIDOS_BIN, cleanupDaemons, type DaemonProcess, startDaemon } from '../helpers/daemon-process.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres-db.js';
import { writeStandinConfig } from '../helpers/standin-config.js';
import { waitFor } from '../helpers/wait.js';

// One 3-node cluster on one PostgreSQL for the whole file: A takes both roles, B is a worker only
// (and the only node advertising gpu=true), C serves the API only. Every agent writes a ledger line
// when it starts and when it exits, so the tests check from the agents' side that no task ever had
// two live agents. Leases are long (20 s): a move must never lean on a lease lapsing.
const KEY = 'integration-pool-key-0123456789abcdef';
let db: TestDatabase;
let root: string;
let ledger: string;
let a: DaemonProcess;
let b: DaemonProcess;
let c: DaemonProcess;
const id = (d: DaemonProcess) => `n${d.port}`;

async function config(name: string, extra: Record<string, unknown>): Promise<string> {
  const dir = await mkdtemp(join(root, `${name}-`));
  return writeStandinConfig(dir, {
    tasks: {
      lease: '20s',
      renew_every: '300ms',
      poll_interval: '500ms',
      retry_base: '20ms',
      retry_max: '200ms',
    },
    ...extra,
  });
}

function node(cfg: string, seed?: DaemonProcess, reuse?: DaemonProcess): Promise<DaemonProcess> {
  return startDaemon({
    args: ['--db', db.url, '--config', cfg, ...(seed ? ['--join', `127.0.0.1:${seed.port}`] : [])],
    env: { AIDOS_CLUSTER_KEY: KEY },
    // Readiness waits for two health rounds (10 s apart); membership says sooner that a node is up
    // (a member gossips only once its store identity is read).
    waitReady: false,
    ...(reuse ? { port: reuse.port, dataDir: reuse.dataDir } : {}),
  });
}

async function members(via: DaemonProcess): Promise<ClusterNode[]> {
  return (await api<{ nodes: ClusterNode[] }>(via.url, 'GET', '/api/v1/nodes')).body.nodes;
}

/** Each tagged agent's ledger lines, in the order they were written. */
function ledgerOf(tag: string): { ev: string; pid: number }[] {
  if (!existsSync(ledger)) return [];
  return readFileSync(ledger, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { ev: string; pid: number; tag: string })
    .filter((l) => l.tag.includes(tag));
}

/** From the agents' side: starts and ends alternate, so no two agents of this task were ever alive at once. */
function expectOneLiveAgentAtATime(tag: string, runs: number): void {
  const lines = ledgerOf(tag);
  expect(lines.map((l) => l.ev)).toEqual(Array.from({ length: runs }, () => ['start', 'end']).flat());
  for (let i = 0; i < lines.length; i += 2) expect(lines[i + 1]!.pid).toBe(lines[i]!.pid);
}

async function post(via: DaemonProcess, path: string, body: unknown = {}) {
  return api<{ error?: { code: string; message: string; field?: string } } & Record<string, unknown>>(
    via.url,
    'POST',
    path,
    body,
  );
}

beforeAll(async () => {
  db = await createTestDatabase('aidos_pool');
  root = await mkdtemp(join(tmpdir(), 'aidos-pool-'));
  ledger = join(root, 'ledger.jsonl');
  a = await node(await config('a', {}));
  [b, c] = await Promise.all([
    node(await config('b', { roles: ['worker'], labels: { gpu: 'true' } }), a),
    node(await config('c', { roles: ['api'] }), a),
  ]);
  for (const d of [a, c])
    await waitFor(
      async () => (await members(d)).filter((m) => m.state === 'alive' && m.version !== null).length === 3,
      30_000,
      `3 alive members seen by ${id(d)}`,
    );
}, 90_000);

afterAll(async () => {
  await cleanupDaemons();
  await db?.drop();
  if (root) await rm(root, { recursive: true, force: true });
});

describe('agent pool operator actions', { timeout: 120_000 }, () => {
  it('refuses what cannot be done, naming why; a worker-only node serves no client API', async () => {
    expect((await post(c, '/api/v1/tasks/t_nope/move', { node: id(a) })).status).toBe(404);
    // Queued for ever: pinned to the api-only node, which claims nothing.
    const stuck = await submit(c.url, { message: 'sleep:100 stuck', node: id(c), require: { gpu: 'true' } });
    const unknown = await post(c, `/api/v1/tasks/${stuck.id}/move`, { node: 'nosuch' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatchObject({ field: 'node' });
    const apiOnly = await post(c, `/api/v1/tasks/${stuck.id}/move`, { node: id(c) });
    expect(apiOnly.status).toBe(409);
    expect(apiOnly.body.error?.message).toContain('no worker role');
    const noLabel = await runAidos(['task', 'move', stuck.id, id(a), '--url', c.url]);
    expect(noLabel.code).not.toBe(0);
    expect(noLabel.stderr).toContain('does not advertise gpu=true');
    expect((await post(c, '/api/v1/nodes/nosuch/drain')).status).toBe(404);
    expect((await post(c, `/api/v1/nodes/${id(c)}/drain`)).status).toBe(409);
    const bad = await post(c, `/api/v1/nodes/${id(b)}/drain`, { deadline: '10 minutes' });
    expect(bad.status).toBe(400);
    expect(bad.body.error?.field).toBe('deadline');
    // `deadline` names no unit, so a bare number is refused with how to write it.
    const bare = await post(c, `/api/v1/nodes/${id(b)}/drain`, { deadline: 600 });
    expect(bare.status).toBe(400);
    expect(bare.body.error?.message).toContain('has no unit');

    const onWorker = await api<{ error: { message: string } }>(b.url, 'GET', '/api/v1/tasks');
    expect(onWorker.status).toBe(404);
    expect(onWorker.body.error.message).toContain('serves no client API');
    expect((await fetch(`${b.url}/health`)).status).toBe(200);
    const info = (await api<{ slots: number; roles: string[] }>(c.url, 'GET', '/api/v1/node')).body;
    expect(info).toMatchObject({ slots: 0, roles: ['api'] });

    // Moving the queued task to the one node that qualifies retargets it; it runs there.
    const moved = await runAidos(['task', 'move', stuck.id, id(b), '--url', c.url]);
    expect(moved.stderr).toBe('');
    expect(moved.stdout).toContain(`queued for node ${id(b)}`);
    const done = await waitForState(c.url, stuck.id, ['succeeded', 'failed', 'dead', 'cancelled'], 30_000);
    expect(done.task).toMatchObject({ state: 'succeeded', node_id: id(b), pin_node: id(b), attempt: 1 });
    expect(done.events.find((e) => e.kind === 'moved')?.detail).toMatchObject({ to: id(b) });
  });

  it('moves a running task: stopped on the source first, started on the target, attempt not counted; logs -f follows it from an api-only node', async () => {
    const task = await submit(c.url, { message: `ledger:${ledger} tick:100 hang mv-running`, node: id(a) });
    await waitForState(c.url, task.id, ['running'], 30_000);
    // C runs nothing, so every line it prints was proxied from the node that runs the agent.
    const follower: ChildProcess = spawn(
      process.execPath,
      [AIDOS_BIN, 'task', 'logs', task.id, '-f', '--url', c.url],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    follower.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const followerExit = new Promise<number | null>((resolve) =>
      follower.once('exit', (code) => resolve(code)),
    );
    try {
      await waitFor(() => out.includes('tick 3'), 20_000, 'proxied output from node A');

      const move = await runAidos(['task', 'move', task.id, id(b), '--url', c.url]);
      expect(move.stdout).toContain(`moving: stops on node ${id(a)} first`);
      const onB = await waitFor(
        async () => {
          const t = (await getTask(c.url, task.id)).task;
          return t.state === 'running' && t.node_id === id(b) ? t : undefined;
        },
        30_000,
        'the task running on B',
      );
      expect(onB.attempt).toBe(1);
      // The agent on B restarts its count: the follower now shows B's output.
      await waitFor(() => out.split('tick 1\n').length > 2, 20_000, 'proxied output from node B');

      await post(c, `/api/v1/tasks/${task.id}/cancel`);
      const { task: final, events } = await waitForState(c.url, task.id, ['cancelled'], 30_000);
      expect(final.node_id).toBe(id(b));
      const kinds = events.map((e) => e.kind);
      expect(kinds).toEqual(expect.arrayContaining(['move_requested', 'moved']));
      expect(kinds).not.toContain('failed');
      expect(kinds).not.toContain('retry_scheduled');
      expect(events.find((e) => e.kind === 'moved')).toMatchObject({
        node_id: id(a),
        detail: { from: id(a), to: id(b), reason: `moving to node ${id(b)}` },
      });
      // The target claimed only after the source had released the task.
      const movedAt = kinds.indexOf('moved');
      const claimedOnB = events.findIndex((e) => e.kind === 'claimed' && e.node_id === id(b));
      expect(claimedOnB).toBeGreaterThan(movedAt);
      expect(
        await Promise.race([followerExit, new Promise((r) => setTimeout(() => r('running'), 15_000))]),
      ).toBe(0);
    } finally {
      follower.kill();
    }
    expectOneLiveAgentAtATime('mv-running', 2);
  });

  it('drain without --move: the running task finishes there, nothing new is claimed, the drain survives a restart, undrain resumes', async () => {
    // The run ends when the test says so, so the drain always lands while it is running.
    const release = join(root, 'drain-finish.release');
    const running = await submit(a.url, {
      message: `ledger:${ledger} until-file:${release} drain-finish`,
      node: id(b),
    });
    await waitForState(a.url, running.id, ['running'], 30_000);
    const drained = await runAidos(['node', 'drain', id(b), '--deadline', '10m', '--url', a.url]);
    expect(drained.stdout).toContain(`${id(b)} drained`);
    await waitFor(
      async () => (await members(a)).find((m) => m.id === id(b))?.drain,
      15_000,
      'B drained in gossip',
    );
    const list = await runAidos(['node', 'list', '--json', '--url', c.url]);
    expect((JSON.parse(list.stdout) as ClusterNode[]).find((m) => m.id === id(b))?.drain).toBe(true);
    const waiting = await submit(a.url, { message: `ledger:${ledger} sleep:50 drain-waits`, node: id(b) });
    writeFileSync(release, '');

    const finished = await waitForState(a.url, running.id, undefined, 30_000);
    expect(finished.task).toMatchObject({ state: 'succeeded', node_id: id(b), attempt: 1 });
    expect(finished.events.map((e) => e.kind)).toContain('drain_requested');
    expect(finished.events.map((e) => e.kind)).not.toContain('moved');

    // Restart B: the drain is a row, so it holds from the first claim round of the new daemon.
    await b.stop();
    b = await node(await config('b2', { roles: ['worker'], labels: { gpu: 'true' } }), a, b);
    await waitFor(
      async () => {
        const m = (await members(a)).find((n) => n.id === id(b));
        return m?.state === 'alive' && m.drain && m.version !== null;
      },
      30_000,
      'B back, still drained',
    );
    expect((await getTask(a.url, waiting.id)).task.state).toBe('queued');

    const undrained = await runAidos(['node', 'undrain', id(b), '--url', a.url]);
    expect(undrained.stdout).toContain('claims again');
    const ran = await waitForState(a.url, waiting.id, undefined, 30_000);
    expect(ran.task).toMatchObject({ state: 'succeeded', node_id: id(b) });
    expectOneLiveAgentAtATime('drain-finish', 1);
    expectOneLiveAgentAtATime('drain-waits', 1);
  });

  it('drain --move: the node’s running task moves to another node now', async () => {
    // Only B may claim while A is drained, so this unpinned task lands on B.
    await post(a, `/api/v1/nodes/${id(a)}/drain`);
    // A drain takes hold at the node's next renewal tick; its gossip flag says it has.
    await waitFor(async () => (await members(c)).find((m) => m.id === id(a))?.drain, 15_000, 'A drained');
    const task = await submit(c.url, { message: `ledger:${ledger} hang drain-move` });
    await waitFor(
      async () => (await getTask(c.url, task.id)).task.node_id === id(b),
      30_000,
      'the task running on B',
    );
    await post(c, `/api/v1/nodes/${id(a)}/undrain`);
    // Its agent is up (it wrote its ledger line) before anything asks it to stop.
    await waitFor(() => ledgerOf('drain-move').length === 1, 20_000, 'the agent on B to start');
    const drain = await runAidos(['node', 'drain', id(b), '--move', '--url', c.url]);
    expect(drain.stdout).toContain('moving its running tasks');
    const onA = await waitFor(
      async () => {
        const t = (await getTask(c.url, task.id)).task;
        return t.state === 'running' && t.node_id === id(a) ? t : undefined;
      },
      30_000,
      'the task moved to A',
    );
    expect(onA.attempt).toBe(1);
    const { events } = await getTask(c.url, task.id);
    expect(events.find((e) => e.kind === 'moved')?.detail).toMatchObject({
      from: id(b),
      reason: 'node drained with --move',
    });
    await waitFor(() => ledgerOf('drain-move').length === 3, 20_000, 'the agent on A to start');
    await post(c, `/api/v1/tasks/${task.id}/cancel`);
    await waitForState(c.url, task.id, ['cancelled'], 30_000);
    await waitFor(() => ledgerOf('drain-move').length === 4, 20_000, 'the agent on A to exit');
    await post(c, `/api/v1/nodes/${id(b)}/undrain`);
    expectOneLiveAgentAtATime('drain-move', 2);

    // The api-only node never ran an agent, and the cluster-wide list from it shows where each ran.
    const listed = await runAidos(['task', 'list', '--json', '--url', c.url]);
    const { tasks } = JSON.parse(listed.stdout) as { tasks: Task[] };
    expect(tasks.length).toBeGreaterThanOrEqual(5);
    for (const t of tasks) expect([id(a), id(b)]).toContain(t.node_id);
  });
});
