import { readFile } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../helpers/api.js';
import { cleanupDaemons, type DaemonProcess, startDaemon } from '../helpers/daemon-process.js';
import { waitFor, withTimeout } from '../helpers/wait.js';
import { connectClient } from '../helpers/ws.js';

let d: DaemonProcess;

beforeAll(async () => {
  d = await startDaemon();
});

afterAll(async () => {
  await cleanupDaemons();
});

async function rssBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}

async function stillUp(): Promise<void> {
  expect(d.child.exitCode).toBeNull();
  expect((await fetch(`${d.url}/health`)).status).toBe(200);
}

describe('hostile WebSocket clients', () => {
  it('answers a flood with rate_limited and garbage with errors, and stays up', async () => {
    const client = await connectClient(d.url);
    for (let i = 0; i < 300; i++) client.send({ type: 'request', id: i, op: 'node.info' });
    await client.next((f) => (f.error as { code?: string } | undefined)?.code === 'rate_limited');
    const garbage = await connectClient(d.url);
    garbage.send('{not json');
    garbage.ws.send(Buffer.from([0xff, 0x00, 0xfe]));
    garbage.send({ type: 'request', id: 'x', op: '__proto__', params: { __proto__: 1 } });
    garbage.send({ type: 'request', id: 'y', op: 'task.get', params: { id: 'a\u0000b' } });
    await garbage.next((f) => f.id === 'y' && f.ok === false);
    expect(garbage.frames.filter((f) => f.ok === false).length).toBeGreaterThanOrEqual(4);
    // A frame over the limit closes that connection with 1009, and only that one.
    garbage.ws.send('x'.repeat(6 * 1024 * 1024));
    expect(await withTimeout(garbage.closed, 10_000, 'close')).toBe(1009);
    client.ws.close();
    await stillUp();
  });

  it('stops serving and closes a client that sends requests but never reads the replies', async () => {
    // Replies of about 2 MB each: 30 tasks with 64 KiB messages that wait for next year.
    const message = `never ${'m'.repeat(65_000)}`;
    for (let i = 0; i < 30; i++) {
      const res = await api(d.url, 'POST', '/api/v1/tasks', {
        message,
        profile: 'openclaw',
        run_after: Date.now() + 365 * 86_400_000,
      });
      expect(res.status).toBe(201);
    }
    const pid = d.child.pid as number;
    const before = await rssBytes(pid);
    const client = await connectClient(d.url);
    (client.ws as unknown as { _socket: Socket })._socket.pause();
    // At the allowed rate (50/s) for as long as the daemon lets it.
    let sent = 0;
    const flood = setInterval(() => {
      if (client.ws.readyState !== client.ws.OPEN) return;
      client.send({ type: 'request', id: sent++, op: 'task.list', params: { limit: 1000 } });
    }, 25);
    try {
      await waitFor(
        () => d.logs().some((l) => l.msg === 'client connection closed'),
        30_000,
        'the daemon to close the connection',
      );
      const grew = (await rssBytes(pid)) - before;
      expect(grew).toBeLessThan(200 * 1024 * 1024);
    } finally {
      clearInterval(flood);
    }
    (client.ws as unknown as { _socket: Socket })._socket.resume();
    await withTimeout(client.closed, 10_000, 'the client to see the close');
    await stillUp();
  }, 60_000);
});
