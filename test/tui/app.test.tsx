import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { render } from 'ink-testing-library';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { App } from '../../tui/app/App.js';
import { contextSwitcher } from '../../tui/app/context-switcher.js';
import { themeFor } from '../../tui/app/theme.js';
import type { TuiConfig } from '../../tui/config/tui-config.js';
import { FleetConnection } from '../../tui/fleet/connection.js';
import { buildKeymap } from '../../tui/keys/keymap.js';
import { submit, waitForState } from '../helpers/api.js';
import { cleanupDaemons, type DaemonProcess, startDaemon } from '../helpers/daemon-process.js';
import { writeStandinConfig } from '../helpers/standin-config.js';
import { waitFor } from '../helpers/wait.js';

const dir = mkdtempSync(join(tmpdir(), 'aidos-tui-app-'));
const config = writeStandinConfig(dir);
let daemon: DaemonProcess;
const open: { unmount(): void; connection: FleetConnection }[] = [];

beforeAll(async () => {
  daemon = await startDaemon({ args: ['--config', config] });
});
afterEach(() => {
  while (open.length) {
    const o = open.pop()!;
    o.unmount();
    o.connection.stop();
  }
});
afterAll(async () => {
  await cleanupDaemons();
  rmSync(dir, { recursive: true, force: true });
});

function mount(
  urls: string[],
  options: { readonly?: boolean; config?: TuiConfig; size?: { columns: number; rows: number } } = {},
) {
  const connection = new FleetConnection({ urls, backoffInitialMs: 50, backoffMaxMs: 300 });
  const ui = render(
    <App
      connection={connection}
      keymap={buildKeymap({}, { readonly: options.readonly ?? false })}
      theme={themeFor({ NO_COLOR: '1' })}
      readonly={options.readonly ?? false}
      contexts={contextSwitcher(options.config ?? {}, connection, null)}
      size={options.size ?? { columns: 120, rows: 30 }}
    />,
  );
  connection.start();
  open.push({ unmount: ui.unmount, connection });
  const frame = (text: string | RegExp, what = String(text), timeoutMs = 15_000) =>
    waitFor(
      () => {
        const f = ui.lastFrame() ?? '';
        return (typeof text === 'string' ? f.includes(text) : text.test(f)) ? f : undefined;
      },
      timeoutMs,
      `a frame showing ${what}; last frame:\n${ui.lastFrame()}`,
    );
  return { ui, connection, frame, keys: (s: string) => ui.stdin.write(s) };
}

describe('aidos-tui against a real daemon', () => {
  it('shows the pushed task list live, filters it, and never draws more lines than the terminal has', async () => {
    const done = await submit(daemon.url, { message: 'alpha job' });
    await waitForState(daemon.url, done.id, ['succeeded']);
    const { ui, frame, keys } = mount([daemon.url]);
    await frame('LIVE');
    await frame(new RegExp(`${done.id}\\s+succeeded`), 'the finished task');
    // A task submitted now arrives by push (no reload): queued or running, then succeeded.
    const next = await submit(daemon.url, { message: 'beta job sleep:200' });
    await frame(new RegExp(`${next.id}\\s+(queued|running|succeeded)`), 'the new task');
    await frame(new RegExp(`${next.id}\\s+succeeded`), 'the new task succeeded');
    keys('/beta\r');
    await frame('/beta');
    const filtered = await frame('[1/');
    expect(filtered).toContain(next.id);
    expect(filtered).not.toContain(done.id);
    keys('/!beta\r');
    const inverse = await frame('/!beta');
    expect(inverse).toContain(done.id);
    expect(inverse).not.toContain(next.id);
    for (const f of ui.frames) expect(f.split('\n').length).toBeLessThanOrEqual(30);
  });

  it('opens a task with its history and a live log tail, and cancels it after confirmation', async () => {
    const task = await submit(daemon.url, { message: 'gamma hang', max_attempts: 1 });
    await waitForState(daemon.url, task.id, ['running']);
    const { frame, keys } = mount([daemon.url]);
    await frame(new RegExp(`${task.id}\\s+running`), 'the running task');
    keys('/gamma\r');
    await frame('[1/');
    keys('\r');
    await frame(`task ${task.id}`, 'the detail breadcrumb');
    await frame(/started on n\d+/, 'the started event');
    await frame('hanging', 'the live stderr line of the stand-in');
    keys('c');
    await frame(`cancel task ${task.id}? (y/n)`);
    keys('y');
    await frame(/state cancelled/, 'the cancelled state');
    await frame(/cancelled on n\d+|\bcancelled\b.*attempt/, 'the cancel event');
  });

  it('--readonly hides and ignores dangerous actions', async () => {
    const task = await submit(daemon.url, { message: 'delta hang', max_attempts: 1 });
    await waitForState(daemon.url, task.id, ['running']);
    const { ui, frame, keys } = mount([daemon.url], { readonly: true });
    await frame(new RegExp(`${task.id}\\s+running`), 'the running task');
    expect(ui.lastFrame()).toContain('<l> logs');
    expect(ui.lastFrame()).not.toContain('<c> cancel');
    keys('c');
    keys('?');
    const help = await frame('Keys (esc closes)');
    expect(help).not.toMatch(/\bcancel\b/);
    expect(help).not.toMatch(/\bretry\b/);
    expect(ui.lastFrame()).not.toContain('? (y/n)');
    await fetch(`${daemon.url}/api/v1/tasks/${task.id}/cancel`, {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json' },
    });
  });

  it('shows the node, its health checks and the event stream', async () => {
    const { frame, keys } = mount([daemon.url]);
    await frame('LIVE');
    keys('1');
    await frame(new RegExp(`\\*n${daemon.port}\\s+alive\\s+api,worker\\s+\\d+/4`), 'the node row');
    keys('4');
    await frame(/store:ready\s+pass\s+▁/, 'the store check with its sparkline');
    keys('5');
    await frame(`attached to ${daemon.url}`, 'the link event');
    keys(':cha\t\r');
    await frame('chaos is off on', 'the chaos view of a daemon without chaos.enabled');
  });

  it('marks the data stale when the daemon dies, and falls over to another known member', async () => {
    const other = await startDaemon({ args: ['--config', config] });
    const doomed = await startDaemon({ args: ['--config', config] });
    const { frame } = mount([doomed.url, other.url]);
    await frame(`${doomed.url} (n${doomed.port})  LIVE`, 'attached to the first daemon');
    await doomed.kill9();
    await frame(/STALE|lost/, 'the stale badge');
    await frame(`${other.url} (n${other.port})  LIVE`, 'attached to the other member');
    await other.stop();
  });

  it(':ctx lists the contexts and switches to another cluster, dropping the old rows', async () => {
    const second = await startDaemon({ args: ['--config', config] });
    const only = await submit(second.url, { message: 'only on the second' });
    await waitForState(second.url, only.id, ['succeeded']);
    const contexts = { first: { url: daemon.url }, second: { url: second.url.replace('http', 'ws') } };
    const { frame, keys } = mount([daemon.url], { config: { contexts } });
    await frame(`${daemon.url} (n${daemon.port})  LIVE`);
    keys(':ctx\r');
    await frame('contexts: first second');
    keys(':ctx se\t\r');
    await frame(`ctx:second ${second.url} (n${second.port})  LIVE`, 'attached to the second context');
    const after = await frame(only.id, "the second daemon's task");
    expect(after).toContain('[1]');
    keys(':ctx nope\r');
    await frame('context "nope" is not in the config (known: first, second)');
    await second.stop();
  });

  it('says so when the terminal is too small instead of drawing', async () => {
    const { frame } = mount([daemon.url], { size: { columns: 50, rows: 10 } });
    const f = await frame('terminal too small (50×10)');
    expect(f.split('\n')).toHaveLength(1);
  });
});
