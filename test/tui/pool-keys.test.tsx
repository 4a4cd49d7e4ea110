import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import type { Task } from '../../shared/tasks.js';
import { App } from '../../tui/app/App.js';
import { contextSwitcher } from '../../tui/app/context-switcher.js';
import { themeFor } from '../../tui/app/theme.js';
import { FleetConnection } from '../../tui/fleet/connection.js';
import type { NodeRow } from '../../tui/fleet/node-row.js';
import { buildKeymap } from '../../tui/keys/keymap.js';
import { waitFor } from '../helpers/wait.js';

// Unit level: the daemon side of node.drain / task.move is the pool branch's; here the keys, the
// pick list and the confirmations naming their target, on a store filled by hand (never started).
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
