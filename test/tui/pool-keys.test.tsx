import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import type { Task } from '../../shared/tasks.js';
import { App } from '../../tui/app/App.js';
import { contextSwitcher } from '../../tui/app/context-switcher.js';
import { themeFor } from '../../tui/app/theme.js';
import { FleetConnection } from '../../tui/fleet/connection.js';
import type { NodeRow } from '../../tui/fleet/node-row.js';
import { buildKeymap } from '../../tui/keys/keymap.js';
import { cleanupDaemons, startDaemon } from '../helpers/daemon-process.js';
import { writeStandinConfig } from '../helpers/standin-config.js';
import { mountLiveApp } from '../helpers/tui-app.js';
import { waitFor } from '../helpers/wait.js';

// First the keys, the pick list and the confirmations naming their target, on a store filled by
// hand (never started); then drain/undrain against a real daemon (pool's operations).
const node = (id: string, extra: Partial<NodeRow> = {}): NodeRow => ({
  id,
  address: `127.0.0.1:${id.slice(1)}`,
  state: 'alive',
  roles: ['api', 'worker'],
  slots: 2,
  used: 0,
  cpu: null,
  rss: null,
  memory: null,
  health: 'pass',
  draining: false,
  services: [],
  running: [],
  attached: id === 'n1',
  ...extra,
});
const task = {
  id: 't_0001',
  state: 'running',
  node_id: 'n1',
  attempt: 1,
  max_attempts: 3,
  profile: 'p',
  created_at: Date.now(),
  updated_at: Date.now(),
  message: 'job',
} as Task;

const mounted: (() => void)[] = [];
afterEach(() => {
  while (mounted.length) mounted.pop()!();
});

function mount(readonly = false) {
  const connection = new FleetConnection({ urls: ['http://127.0.0.1:9'] });
  connection.store.tasksSnapshot([task]);
  connection.store.setNodes([node('n1'), node('n2'), node('n3'), node('n4', { draining: true })], 'n1');
  const ui = render(
    <App
      connection={connection}
      keymap={buildKeymap({}, { readonly })}
      theme={themeFor({ NO_COLOR: '1' })}
      readonly={readonly}
      contexts={contextSwitcher({}, connection, null)}
      size={{ columns: 120, rows: 24 }}
    />,
  );
  mounted.push(ui.unmount);
  const frame = (text: string) =>
    waitFor(
      () => ((ui.lastFrame() ?? '').includes(text) ? ui.lastFrame() : undefined),
      10_000,
      `a frame with ${text}`,
    ).catch((e: Error) => {
      throw new Error(`${e.message}\n${ui.lastFrame()}`);
    });
  return { frame, keys: (s: string) => ui.stdin.write(s) };
}

describe('move and drain keys', () => {
  it('m picks the node from the alive, undrained others and confirms naming task and node', async () => {
    const { frame, keys } = mount();
    await frame('t_0001');
    keys('m');
    const pick = await frame('move t_0001 to: [n2] n3');
    expect(pick).not.toMatch(/\bn4\b.*enter picks/);
    keys('j');
    await frame('move t_0001 to: n2 [n3]');
    keys('\r');
    await frame('move task t_0001 to node n3? (y/n)');
    keys('n');
    await frame('not done');
  });

  it('d drains the selected node (undrains a draining one) after a confirmation naming it', async () => {
    const { frame, keys } = mount();
    keys('1');
    await frame('ADDRESS');
    keys('j');
    keys('d');
    await frame('drain node n2 (it stops claiming');
    keys('n');
    await frame('not done');
    keys('jj');
    keys('d');
    await frame('undrain node n4 (it claims tasks again)? (y/n)');
  });

  it(':move and :drain ask the same confirmations; --readonly removes keys and commands', async () => {
    const { frame, keys } = mount();
    await frame('t_0001');
    keys(':move t_0001 n2\r');
    await frame('move task t_0001 to node n2? (y/n)');
    keys('n');
    keys(':drain n3\r');
    await frame('drain node n3');
    keys('n');

    const ro = mount(true);
    await ro.frame('t_0001');
    ro.keys('m');
    ro.keys(':drain n3\r');
    const f = await ro.frame(':drain is not available (--readonly)');
    expect(f).not.toContain('move t_0001 to');
    expect(f).not.toContain('<m> move');
  });
});

describe('drain against a real daemon (pool operations merged)', () => {
  it('d then y drains the node, the daemon says so, and d y again undrains it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aidos-tui-drain-'));
    try {
      const daemon = await startDaemon({ args: ['--config', writeStandinConfig(dir)] });
      const app = mountLiveApp(daemon.url, { initialView: 'nodes' });
      mounted.push(app.stop);
      const shows = (re: RegExp, what: string) => app.frame(re, what);
      const id = `n${daemon.port}`;
      await shows(new RegExp(`\\*${id}\\s+\\S+`), 'the node row');
      app.keys('d');
      await shows(new RegExp(`drain node ${id} \\(it stops claiming`), 'the drain confirmation');
      app.keys('y');
      await shows(new RegExp(`drain: ${id} is draining`), 'the drain result');
      // The daemon's own member list says so once its gossip state carries the drain.
      await waitFor(
        async () => {
          const res = await fetch(`${daemon.url}/api/v1/nodes`);
          const nodes = ((await res.json()) as { nodes: { id: string; drain: boolean }[] }).nodes;
          return nodes.find((n) => n.id === id)?.drain === true;
        },
        20_000,
        'the daemon to report the drain',
      );
      await shows(new RegExp(`\\*${id}\\s.*\\byes\\b`), 'DRAIN yes in the row');
      app.keys('d');
      await shows(new RegExp(`undrain node ${id}`), 'the undrain confirmation');
      app.keys('y');
      await shows(new RegExp(`undrain: ${id} claims again`), 'the undrain result');
    } finally {
      await cleanupDaemons();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
