import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterNode } from '../../shared/cluster.js';
import { api, getTask, submit, waitForState } from '../helpers/api.js';
import { cleanupDaemons, type DaemonProcess, startDaemon } from '../helpers/daemon-process.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres-db.js';
import { writeStandinConfig } from '../helpers/standin-config.js';
import { tmuxPane } from '../helpers/tmux.js';
import { waitFor } from '../helpers/wait.js';

// The real aidos-tui binary in tmux, attached to one member of a real three-node cluster (daemons as
// child processes on one PostgreSQL): every effect of a key is read back from the pane with
// `capture-pane`, and the ones that change the fleet are checked through the API as well.
const TUI_BIN = resolve('dist/tui/bin/aidos-tui.js');
const SOCKET = `aidos-tui-cluster-${process.pid}`;
const KEY = 'tui-tmux-cluster-key-0123456789abcdef';
const dir = mkdtempSync(join(tmpdir(), 'aidos-tui-cluster-'));
let db: TestDatabase;
let a: DaemonProcess;
let b: DaemonProcess;
let c: DaemonProcess;
const id = (d: DaemonProcess) => `n${d.port}`;

const { tmux, screen, keys, type, shows } = tmuxPane(SOCKET);
/** Types a `/` filter and waits until the list shows it applied (`[shown/total]  /text`). */
async function filter(text: string, applied: string) {
  await keys('/');
  await type(text);
  await keys('Enter');
  const literal = text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return shows(new RegExp(`${applied}\\s+/${literal}`), `the filter ${text} applied`);
}
const row = (first: string, ...cells: string[]) => new RegExp([first, ...cells].join('\\s+'));

function member(seed?: DaemonProcess): Promise<DaemonProcess> {
  const config = writeStandinConfig(mkdtempSync(join(dir, 'cfg-')), {
    // Renewals (the tick on which a node acts on a move or a drain) every 300 ms; a long lease so
    // nothing here leans on one lapsing.
    tasks: { lease: '20s', renew_every: '300ms', poll_interval: '500ms' },
  });
  return startDaemon({
    args: ['--db', db.url, '--config', config, ...(seed ? ['--join', `127.0.0.1:${seed.port}`] : [])],
    env: { AIDOS_CLUSTER_KEY: KEY },
    waitReady: false,
  });
}

async function aliveOn(via: DaemonProcess): Promise<number> {
  const res = await api<{ nodes: ClusterNode[] }>(via.url, 'GET', '/api/v1/nodes').catch(() => undefined);
  return res?.body.nodes?.filter((n) => n.state === 'alive').length ?? 0;
}

beforeAll(async () => {
  db = await createTestDatabase('aidos_tui_tmux');
  a = await member();
  [b, c] = await Promise.all([member(a), member(a)]);
  for (const d of [a, b, c])
    await waitFor(async () => (await aliveOn(d)) === 3, 30_000, `3 alive on ${id(d)}`);
}, 60_000);

afterAll(async () => {
  await tmux('kill-server').catch(() => {});
  await cleanupDaemons();
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe('aidos-tui in tmux on a three-node cluster', { timeout: 120_000 }, () => {
  it('moves a task, drains a node, filters, follows a log, and falls over when its daemon dies', async () => {
    // Pinned to B, so the move below has a known source; it prints a line every 200 ms until stopped.
    const mover = await submit(a.url, { message: 'e2e-move tick:200 hang', node: id(b), max_attempts: 1 });
    const other = await submit(a.url, { message: 'unrelated job' });
    await waitForState(a.url, mover.id, ['running'], 30_000);
    await waitForState(a.url, other.id, ['succeeded'], 30_000);

    const command = `CI=true node ${TUI_BIN} --url ws://127.0.0.1:${a.port}; echo AIDOS-TUI-EXIT=$?; read _`;
    await tmux('new-session', '-d', '-s', 'tui', '-x', '120', '-y', '30', command);
    await shows(`(${id(a)})  LIVE`, 'the live badge');
    await shows('nodes 3/3', 'three members alive');
    await shows(row(mover.id, 'running', id(b)), 'the task running on B');

    // Filter: a regex narrows the list to the moving task, `!` inverts it.
    const narrowed = await filter('e2e-(move|nothing)', 'tasks \\[1/2\\]');
    expect(narrowed).toMatch(row(mover.id, 'running'));
    expect(narrowed).not.toContain(other.id);
    await keys('Escape');
    const inverted = await filter('!e2e-move', 'tasks \\[1/2\\]');
    expect(inverted).toMatch(row(other.id, 'succeeded'));
    expect(inverted).not.toContain(mover.id);
    await keys('Escape');
    await filter('e2e-move', 'tasks \\[1/2\\]');

    // Move the running task from B to C: `m` picks the node, `y` confirms.
    const choices = await waitFor(
      async () => {
        await keys('m');
        const pick = (await shows(`move ${mover.id} to:`, 'the node pick list'))
          .split('\n')
          .find((l) => l.startsWith('move '));
        // The other alive, undrained workers, the first one highlighted.
        const list = (pick ?? '')
          .slice(`move ${mover.id} to: `.length)
          .split('   (')[0]!
          .split(' ')
          .map((o) => o.replace(/[[\]]/g, ''));
        if (list.includes(id(c))) return list;
        // A loaded machine can make a member suspect for a moment: close the list and ask again.
        await keys('Escape');
        return undefined;
      },
      30_000,
      `${id(c)} among the move targets`,
    );
    expect(choices).not.toContain(id(b));
    const steps = choices.indexOf(id(c));
    if (steps > 0) await keys(...Array.from({ length: steps }, () => 'Right'));
    await shows(`[${id(c)}]`, `${id(c)} highlighted in the pick list`);
    await keys('Enter');
    await shows(`move task ${mover.id} to node ${id(c)}? (y/n)`, 'the move confirmation');
    await keys('y');
    await shows(`move: ${mover.id} is stopping on ${id(b)} to run on ${id(c)}`, 'the move result');
    await shows(row(mover.id, 'running', id(c)), 'the task running on C', 30_000);
    const moved = await getTask(b.url, mover.id);
    expect(moved.task).toMatchObject({ state: 'running', node_id: id(c), attempt: 1 });
    expect(moved.events.map((e) => e.kind)).toContain('moved');

    // Its log, followed from A while the agent runs on C: new lines keep arriving.
    await keys('l');
    await shows(`logs ${mover.id}`, 'the log view');
    const first = Number((await shows(/tick (\d+)/, 'a tick line')).match(/.*tick (\d+)/s)?.[1]);
    await waitFor(
      async () => {
        const ticks = [...(await screen()).matchAll(/tick (\d+)/g)].map((m) => Number(m[1]));
        return Math.max(...ticks) >= first + 3;
      },
      20_000,
      'newer tick lines in the log view',
    );
    await keys('Escape');
    await keys('Escape');

    // Drain B from the Nodes view, found with a filter.
    await keys('1');
    await filter(id(b), 'nodes \\[1/3\\]');
    await keys('d');
    await shows(`drain node ${id(b)} (it stops claiming; its running tasks finish within 10m)? (y/n)`);
    await keys('y');
    await shows(`drain: ${id(b)} is draining`, 'the drain result');
    await shows(row(id(b), 'alive', '\\S+', '\\S+', '\\S+', '\\S+', '\\S+', 'yes'), 'the DRAIN flag on B');
    const drained = await api<{ nodes: ClusterNode[] }>(a.url, 'GET', '/api/v1/nodes');
    expect(drained.body.nodes.find((n) => n.id === id(b))?.drain).toBe(true);
    await keys('Escape');

    // kill -9 of the daemon the TUI is attached to. The survivors are paused meanwhile, so the
    // stale badge stays up until they go on (else a quick fall-over could come and go between
    // two captures); then it attaches to one of them and shows what that member sees.
    const survivors = [b, c];
    for (const d of survivors) d.child.kill('SIGSTOP');
    try {
      await a.kill9();
      // The header still names where the rows came from, and says which member it tries now.
      await shows(
        new RegExp(`${a.url} \\(${id(a)}\\)  STALE  trying http://127\\.0\\.0\\.1:(${b.port}|${c.port})`),
        'the stale badge and the member being tried',
      );
    } finally {
      for (const d of survivors) d.child.kill('SIGCONT');
    }
    const live = await shows(new RegExp(`\\((${id(b)}|${id(c)})\\)  LIVE`), 'live on a surviving member');
    const now = live.includes(`(${id(b)})  LIVE`) ? b : c;
    await shows(row(id(a), '(suspect|dead)'), 'A no longer alive, as the new member sees it', 30_000);
    expect(await screen()).toMatch(row(id(b), 'alive', '\\S+', '\\S+', '\\S+', '\\S+', '\\S+', 'yes'));
    await keys('5');
    const links = await filter('^\\S+ link\\b', 'events \\[\\d+/\\d+\\]');
    expect(links).toContain(`lost http://127.0.0.1:${a.port}`);
    expect(links).toContain(`attached to http://127.0.0.1:${now.port}`);
    await keys('Escape');
    // Live data keeps coming: a task submitted through the other survivor shows up and finishes.
    const survivor = now === b ? c : b;
    const late = await submit(survivor.url, { message: 'after the failover' });
    await keys('3');
    await shows(row(late.id, 'succeeded'), 'a task submitted after the failover', 30_000);

    await keys('q');
    expect(await shows('AIDOS-TUI-EXIT=0', 'the exit code')).not.toContain('LIVE');
  });
});
