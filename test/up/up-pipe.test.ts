import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AIDOS_BIN } from '../helpers/daemon-process.js';
import { freePort } from '../helpers/postgres-server.js';
import { waitFor, withTimeout } from '../helpers/wait.js';

const dir = mkdtempSync(join(tmpdir(), 'aidos-up-pipe-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `aidos up` with pipes for stdio, as `npm start` runs in CI. */
function up(args: string[]) {
  const child = spawn(process.execPath, [AIDOS_BIN, 'up', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, exited, out: () => stdout, err: () => stderr };
}

describe('aidos up without a terminal', { timeout: 90_000 }, () => {
  it('runs the daemon in the foreground, says how to attach, and stops on SIGTERM', async () => {
    const port = await freePort();
    const run = up(['--data-dir', join(dir, 'data'), '--listen', `127.0.0.1:${port}`]);
    try {
      await waitFor(() => run.err().includes('attach'), 30_000, 'the attach hint').catch((e: Error) => {
        throw new Error(`${e.message}\n${run.err()}\n${run.out()}`);
      });
      expect(run.err()).toContain(`aidos-tui --url ws://127.0.0.1:${port}`);
      const ready = await fetch(`http://127.0.0.1:${port}/health/ready`);
      expect(ready.status).toBe(200);
      // The daemon's own log lines on stdout: it runs in this process, in the foreground.
      expect(run.out()).toContain('"msg":"aidosd started"');

      // A second up on the same port does not start another daemon, and says where the first is.
      const second = up(['--data-dir', join(dir, 'other'), '--listen', `127.0.0.1:${port}`]);
      expect(await withTimeout(second.exited, 30_000, 'the second up')).toBe(1);
      expect(second.err()).toContain(`already running at http://127.0.0.1:${port}`);

      run.child.kill('SIGTERM');
      expect(await withTimeout(run.exited, 30_000, 'up to exit after SIGTERM')).toBe(0);
      await expect(fetch(`http://127.0.0.1:${port}/health/live`)).rejects.toThrow();
    } finally {
      run.child.kill('SIGKILL');
    }
  });

  it('--demo runs three nodes that join one cluster and run a trickle of tasks, and stops them all', async () => {
    const port = await freePort();
    const run = up(['--demo', '--data-dir', join(dir, 'demo'), '--listen', `127.0.0.1:${port}`]);
    try {
      await waitFor(() => run.err().includes('attach'), 60_000, 'the attach hint').catch((e: Error) => {
        throw new Error(`${e.message}\n${run.err()}`);
      });
      await waitFor(
        async () => {
          const res = await fetch(`http://127.0.0.1:${port}/api/v1/nodes`);
          const { nodes } = (await res.json()) as { nodes: { state: string }[] };
          return nodes.filter((n) => n.state === 'alive').length === 3;
        },
        30_000,
        'three alive members',
      );
      await waitFor(
        async () => {
          const res = await fetch(`http://127.0.0.1:${port}/api/v1/tasks?state=succeeded`);
          return ((await res.json()) as { tasks: unknown[] }).tasks.length > 0;
        },
        60_000,
        'a demo task to succeed',
      );
      run.child.kill('SIGTERM');
      expect(await withTimeout(run.exited, 60_000, 'up --demo to exit after SIGTERM')).toBe(0);
      for (const p of [port, port + 1, port + 2])
        await expect(fetch(`http://127.0.0.1:${p}/health/live`)).rejects.toThrow();
    } finally {
      run.child.kill('SIGKILL');
    }
  });

  it('--demo signalled while its nodes are still starting stops every node it started', async () => {
    const port = await freePort();
    const run = up(['--demo', '--data-dir', join(dir, 'demo-early'), '--listen', `127.0.0.1:${port}`]);
    const answers = (p: number) =>
      fetch(`http://127.0.0.1:${p}/health/live`).then(
        () => true,
        () => false,
      );
    try {
      // The seed answers before the other two are ready: up is still starting.
      await waitFor(() => answers(port), 60_000, 'the seed node to answer');
      run.child.kill('SIGTERM');
      await withTimeout(run.exited, 30_000, 'up --demo to exit after SIGTERM');
      for (const p of [port, port + 1, port + 2])
        await waitFor(async () => !(await answers(p)), 30_000, `node on ${p} to stop`);
    } finally {
      run.child.kill('SIGKILL');
    }
  });

  it('refuses a port held by something that is not an aidos daemon, naming the key', async () => {
    const { createServer } = await import('node:http');
    const server = createServer((_, res) => res.end('hello'));
    const port = await freePort();
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    try {
      const run = up(['--data-dir', join(dir, 'busy'), '--listen', `127.0.0.1:${port}`]);
      expect(await withTimeout(run.exited, 30_000, 'up to refuse')).toBe(78);
      expect(run.err()).toContain(
        `listen: 127.0.0.1:${port} is in use by something that is not an aidos daemon`,
      );
    } finally {
      server.close();
    }
  });
});
