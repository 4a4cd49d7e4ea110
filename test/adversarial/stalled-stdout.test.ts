import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AIDOS_BIN } from '../helpers/daemon-process.js';
import { freePort } from '../helpers/postgres-server.js';
import { rawRequest } from '../helpers/raw-http.js';
import { waitFor } from '../helpers/wait.js';

let dir: string | undefined;

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const refusedUpgrade =
  'GET http://[ HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n';

describe('a daemon whose stdout nobody reads', () => {
  it('keeps answering and stops on SIGTERM within its budget', async () => {
    dir = await mkdtemp(join(tmpdir(), 'aidos-stdout-'));
    const port = await freePort();
    // stdout is a pipe this test never reads: once the kernel's buffer is full, every write waits.
    const child = spawn(
      process.execPath,
      [AIDOS_BIN, 'daemon', '--data-dir', dir, '--listen', `127.0.0.1:${port}`, '--node-id', 'stalled'],
      {
        env: { ...process.env, AIDOS_LOG_LEVEL: 'debug', AIDOS_SHUTDOWN_TIMEOUT: '2s' },
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
    child.stdout.pause();
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const url = `http://127.0.0.1:${port}`;
      await waitFor(
        async () => (await fetch(`${url}/health/ready`).catch(() => undefined))?.ok,
        20_000,
        'ready',
      );
      // Each refused upgrade logs a warning line: far more than a pipe buffer holds.
      for (let round = 0; round < 20; round++)
        await Promise.all(Array.from({ length: 50 }, () => rawRequest(port, refusedUpgrade)));
      expect((await fetch(`${url}/health`)).status).toBe(200);
      const started = Date.now();
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const code = await exited;
      clearTimeout(timer);
      expect(code).toBe(0);
      // The budget (2 s) plus the bounded flush, with room for a loaded machine.
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      child.kill('SIGKILL');
    }
  }, 60_000);
});
