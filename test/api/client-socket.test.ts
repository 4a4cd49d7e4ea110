import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replyFrameSchema } from '../../shared/protocol.js';
import { api } from '../helpers/api.js';
import { cleanupDaemons, type DaemonProcess, startDaemon } from '../helpers/daemon-process.js';
import { writeStandinConfig } from '../helpers/standin-config.js';
import { connectClient } from '../helpers/ws.js';

const TOKEN = 'test-token-0123456789abcdef';

describe('/v1/client WebSocket', () => {
  let dir: string;
  let daemon: DaemonProcess;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'aidos-ws-'));
    daemon = await startDaemon({
      args: ['--config', writeStandinConfig(dir), '--set', `api.tokens=${TOKEN}`],
    });
  });
  afterAll(async () => {
    await cleanupDaemons();
    await rm(dir, { recursive: true, force: true });
  });

  const auth = { authorization: `Bearer ${TOKEN}` };

  it('requires the API token when one is configured, on HTTP and WebSocket alike', async () => {
    expect((await api(daemon.url, 'GET', '/api/v1/tasks')).status).toBe(401);
    expect(
      (
        await api(daemon.url, 'GET', '/api/v1/tasks', undefined, {
          authorization: 'Bearer wrong-token-000000000',
        })
      ).status,
    ).toBe(401);
    expect((await api(daemon.url, 'GET', '/api/v1/tasks', undefined, auth)).status).toBe(200);
    await expect(connectClient(daemon.url)).rejects.toThrow(/401/);
    const health = await api<Record<string, unknown>>(daemon.url, 'GET', '/health');
    expect(health.status).toBe(200);
    expect(health.body.checks).toBeUndefined();
  });

  it('answers bad frames with errors naming the field, and keeps the connection', async () => {
    const c = await connectClient(daemon.url, auth);
    c.send('{not json');
    expect(await c.next((f) => f.type === 'reply' && f.ok === false)).toMatchObject({
      id: null,
      error: { code: 'bad_request', field: 'frame' },
    });
    c.send({ type: 'request', id: 1, op: 'task.explode' });
    expect(await c.next((f) => f.id === 1)).toMatchObject({ ok: false, error: { field: 'frame.op' } });
    c.send({ type: 'request', id: 2, op: 'task.submit', params: { message: 42 } });
    expect(await c.next((f) => f.id === 2)).toMatchObject({ ok: false, error: { field: 'params.message' } });
    c.send({ type: 'request', id: 3, op: 'task.get', params: { id: 't_nope' } });
    expect(await c.next((f) => f.id === 3)).toMatchObject({ ok: false, error: { code: 'not_found' } });
    c.send({ type: 'request', id: 4, op: 'node.info' });
    const info = await c.next((f) => f.id === 4);
    expect(info).toMatchObject({
      ok: true,
      result: { node_id: `n${daemon.port}`, store: 'sqlite', store_ready: true },
    });
    for (const frame of c.frames) expect(replyFrameSchema.safeParse(frame).success).toBe(true);
    c.ws.close();
  });

  it('pushes a snapshot, then every change of a task until it ends', async () => {
    const c = await connectClient(daemon.url, auth);
    c.send({ type: 'request', id: 'sub', op: 'subscribe', params: { topics: ['tasks'] } });
    const snapshot = await c.next((f) => f.type === 'event' && f.kind === 'snapshot');
    expect(Array.isArray(snapshot.data)).toBe(true);
    c.send({ type: 'request', id: 'go', op: 'task.submit', params: { message: 'sleep:20 pushed' } });
    const reply = await c.next((f) => f.id === 'go');
    const id = (reply.result as { task: { id: string } }).task.id;
    await c.next(
      (f) =>
        f.type === 'event' &&
        (f.data as { id?: string; state?: string }).id === id &&
        (f.data as { state: string }).state === 'succeeded',
      10_000,
    );
    const states = c.frames
      .filter((f) => f.type === 'event' && f.kind === 'change' && (f.data as { id?: string }).id === id)
      .map((f) => (f.data as { state: string }).state);
    expect(states[0]).toBe('queued');
    expect(states).toContain('running');
    expect(states.at(-1)).toBe('succeeded');
    c.ws.close();
  });

  it('limits the rate of requests per connection', async () => {
    const c = await connectClient(daemon.url, auth);
    for (let i = 0; i < 150; i++) c.send({ type: 'request', id: i, op: 'node.info' });
    // The refusal answers the request it refuses: a client waiting on that id is not left hanging.
    const refused = await c.next(
      (f) => f.ok === false && (f.error as { code: string }).code === 'rate_limited',
    );
    expect(typeof refused.id).toBe('number');
    c.ws.close();
  });

  it('closes a connection that sends a frame over the size limit', async () => {
    const c = await connectClient(daemon.url, auth);
    c.send(
      JSON.stringify({
        type: 'request',
        id: 1,
        op: 'task.submit',
        params: { message: 'x'.repeat(6 * 1024 * 1024) },
      }),
    );
    expect(await c.closed).toBe(1009);
    expect((await api(daemon.url, 'GET', '/health')).status).toBe(200);
  });
});
