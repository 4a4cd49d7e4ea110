import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { AIDOS_BIN, cleanupDaemons, startDaemon } from '../helpers/daemon-process.js';
import { freePort } from '../helpers/postgres-server.js';
import { writeStandinConfig } from '../helpers/standin-config.js';
import { waitFor } from '../helpers/wait.js';

const SOCKET = `aidos-up-e2e-${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), 'aidos-up-e2e-'));
const tmux = (...args: string[]) => execa('tmux', ['-L', SOCKET, ...args], { timeout: 10_000 });
const screen = async () => (await tmux('capture-pane', '-p', '-t', 'up')).stdout;
const shows = (text: string, timeoutMs = 60_000) =>
  waitFor(
    async () => ((await screen()).includes(text) ? true : undefined),
    timeoutMs,
    `the pane to show ${text}`,
  ).catch(async (error: Error) => {
    throw new Error(`${error.message}\n--- pane ---\n${await screen().catch(() => '')}`);
  });
const alive = (port: number) =>
  fetch(`http://127.0.0.1:${port}/health/live`).then(
    () => true,
    () => false,
  );

afterAll(async () => {
  await tmux('kill-server').catch(() => {});
  await cleanupDaemons();
  rmSync(dir, { recursive: true, force: true });
});

async function upInTmux(port: number, dataDir: string): Promise<void> {
  const config = writeStandinConfig(dir);
  const command = `CI=true node ${AIDOS_BIN} up --config ${config} --data-dir ${dataDir} --listen 127.0.0.1:${port}; echo AIDOS-UP-EXIT=$?; read _`;
  await tmux('kill-session', '-t', 'up').catch(() => {});
  await tmux('new-session', '-d', '-s', 'up', '-x', '100', '-y', '30', command);
}

describe('aidos up on a terminal (tmux)', { timeout: 150_000 }, () => {
  it('opens the TUI on the daemon it started, and quitting stops that daemon', async () => {
    const port = await freePort();
    await upInTmux(port, join(dir, 'own'));
    await shows('LIVE');
    expect(await alive(port)).toBe(true);
    await tmux('send-keys', '-t', 'up', 'q');
    await shows('AIDOS-UP-EXIT=0');
    expect(await screen()).toContain('stopped the daemon it started');
    expect(await alive(port)).toBe(false);
  });

  it('attaches to a daemon already on the port and leaves it running on quit', async () => {
    const daemon = await startDaemon({ args: ['--config', writeStandinConfig(dir)] });
    await upInTmux(daemon.port, join(dir, 'theirs'));
    await shows('LIVE');
    await tmux('send-keys', '-t', 'up', 'q');
    await shows('AIDOS-UP-EXIT=0');
    expect(await screen()).toContain('attaching to the daemon already running');
    expect((await fetch(`${daemon.url}/health/ready`)).status).toBe(200);
  });
});
