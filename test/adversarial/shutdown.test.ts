import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { submit, waitForState } from '../helpers/api.js';
import { cleanupDaemons, startDaemon } from '../helpers/daemon-process.js';
import { writeStandinConfig } from '../helpers/standin-config.js';
import { withTimeout } from '../helpers/wait.js';

let dir: string | undefined;

afterAll(async () => {
  await cleanupDaemons();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('a graceful stop that clients try to hold up', () => {
  it('writes every re-queue before the store closes, though a client holds a half-sent body', async () => {
    dir = await mkdtemp(join(tmpdir(), 'aidos-stop-'));
    const d = await startDaemon({
      args: [
        '--config',
        writeStandinConfig(dir, { shutdown_timeout: '4s' }),
        // Agents that ignore SIGTERM need the whole kill grace: a big share of the budget.
        '--set',
        'agents.kill_grace=2s',
      ],
    });
    const tasks = await Promise.all(
      Array.from({ length: 3 }, () => submit(d.url, { message: 'ignore-sigterm hang', max_attempts: 1 })),
    );
    for (const task of tasks) await waitForState(d.url, task.id, ['running']);
    // A client that starts a body and never finishes it, and one that only holds a connection open.
    const stalled = connect(d.port, '127.0.0.1');
    const idle = connect(d.port, '127.0.0.1');
    await Promise.all([stalled, idle].map((s) => new Promise((r) => s.once('connect', r))));
    stalled.write(
      'POST /api/v1/tasks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"mess',
    );
    stalled.on('error', () => {});
    idle.on('error', () => {});
    const exit = await withTimeout(d.stop(10_000), 12_000, 'the daemon to stop');
    stalled.destroy();
    idle.destroy();
    expect(exit.code).toBe(0);
    const db = new Database(join(d.dataDir, 'aidos.db'), { readonly: true });
    try {
      for (const task of tasks) {
        const row = db.prepare('SELECT state, attempt FROM tasks WHERE id = ?').get(task.id) as {
          state: string;
          attempt: number;
        };
        // Back in the queue with the interrupted attempt given back: a restart runs it again.
        expect(row).toEqual({ state: 'queued', attempt: 0 });
      }
    } finally {
      db.close();
    }
  });
});
