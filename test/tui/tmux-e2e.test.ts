import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { submit, waitForState } from '../helpers/api.js';
import { cleanupDaemons, startDaemon } from '../helpers/daemon-process.js';
import { writeStandinConfig } from '../helpers/standin-config.js';
import { tmuxPane } from '../helpers/tmux.js';

const TUI_BIN = resolve('dist/tui/bin/aidos-tui.js');
const SOCKET = `aidos-tui-e2e-${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), 'aidos-tui-e2e-'));

const { tmux, screen, styled, keys, shows } = tmuxPane(SOCKET);
const COLOUR = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*(3[0-7]|9[0-7]|38;[0-9;]+)m`);

afterAll(async () => {
  await tmux('kill-server').catch(() => {});
  await cleanupDaemons();
  rmSync(dir, { recursive: true, force: true });
});

// Many steps, each waiting for the pane with its own bound; the whole may take a while on a loaded machine.
describe('aidos-tui binary in tmux', { timeout: 120_000 }, () => {
  it('attaches, filters, follows a log, cancels, survives the daemon dying, and restores the screen on quit', async () => {
    const config = writeStandinConfig(dir);
    let daemon = await startDaemon({ args: ['--config', config] });
    const { port, dataDir } = daemon;
    const other = await submit(daemon.url, { message: 'unrelated job' });
    const task = await submit(daemon.url, { message: 'e2e-target hang', max_attempts: 1 });
    await waitForState(daemon.url, task.id, ['running']);
    await waitForState(daemon.url, other.id, ['succeeded']);

    // CI=true as CI runners export it: Ink would draw only the last frame unless the TUI sees a terminal.
    const command = `CI=true node ${TUI_BIN} --url ws://127.0.0.1:${port}; echo AIDOS-TUI-EXIT=$?; read _`;
    await tmux('new-session', '-d', '-s', 'tui', '-x', '100', '-y', '30', command);
    await shows(`(n${port})  LIVE`, 'the live badge');
    await shows(new RegExp(`${task.id}\\s+running`), 'the running task');
    expect(await styled()).toMatch(COLOUR);

    await keys('/', 'e2e-target', 'Enter');
    const filtered = await shows('/e2e-target');
    expect(filtered).not.toContain(other.id);

    await keys('l');
    await shows(`logs ${task.id}`, 'the log view');
    await shows('hanging', 'the live log line');
    await keys('c');
    await shows(`cancel task ${task.id}? (y/n)`);
    await keys('y');
    await shows(/\bcancel: t_\S+ is (running \(cancel requested\)|cancelled)/, 'the cancel result');
    await waitForState(daemon.url, task.id, ['cancelled']);
    await keys('Escape');
    await shows(new RegExp(`${task.id}\\s+cancelled`), 'the cancelled row');

    await daemon.kill9();
    await shows('STALE', 'the stale badge');
    const lines = (await screen()).split('\n');
    expect(lines.length).toBeLessThanOrEqual(30);
    daemon = await startDaemon({ args: ['--config', config], port, dataDir });
    await shows(`(n${port})  LIVE`, 'live again after the restart');
    await shows(new RegExp(`${task.id}\\s+cancelled`), 'the task list after the reconnect');

    await keys('q');
    const after = await shows('AIDOS-TUI-EXIT=0', 'the exit code');
    // The alternate screen was left: the TUI's frame is gone from the pane.
    expect(after).not.toContain('LIVE');

    // Ctrl-C leaves as cleanly; NO_COLOR draws without colour.
    await tmux('kill-session', '-t', 'tui');
    await tmux('new-session', '-d', '-s', 'tui', '-x', '100', '-y', '30', `NO_COLOR=1 ${command}`);
    await shows(`(n${port})  LIVE`, 'the live badge without colour');
    expect(await styled()).not.toMatch(COLOUR);
    await keys('C-c');
    expect(await shows('AIDOS-TUI-EXIT=0', 'the exit code after Ctrl-C')).not.toContain('LIVE');
  });
});
