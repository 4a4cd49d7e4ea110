import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../helpers/api.js';
import { cleanupDaemons, type DaemonProcess, startDaemon } from '../helpers/daemon-process.js';
import { openDescriptors, rawRequest } from '../helpers/raw-http.js';
import { writeStandinConfig } from '../helpers/standin-config.js';
import { waitFor } from '../helpers/wait.js';

let d: DaemonProcess;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'aidos-adv-'));
  d = await startDaemon({ args: ['--config', writeStandinConfig(dir)] });
});

afterAll(async () => {
  await cleanupDaemons();
  await rm(dir, { recursive: true, force: true });
});

/** The daemon is still up and answering. */
async function stillUp(): Promise<void> {
  expect(d.child.exitCode).toBeNull();
  const res = await fetch(`${d.url}/health`);
  expect(res.status).toBe(200);
}

const upgrade = (target: string) =>
  `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
  'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n';

describe('hostile request lines and headers', () => {
  it('answers 400 to an upgrade with an unparsable URL and stays up', async () => {
    const reply = await rawRequest(d.port, upgrade('http://['));
    expect(reply.status).toBe(400);
    expect(reply.closed).toBe(true);
    await stillUp();
  });

  it('answers 400 and closes a plain request with an unparsable URL, holding no descriptor', async () => {
    const pid = d.child.pid as number;
    const before = await openDescriptors(pid);
    const replies = await Promise.all(
      Array.from({ length: 40 }, () => rawRequest(d.port, 'GET http://[ HTTP/1.1\r\nHost: x\r\n\r\n')),
    );
    for (const reply of replies) {
      expect(reply.status).toBe(400);
      expect(reply.closed).toBe(true);
    }
    await waitFor(
      async () => (await openDescriptors(pid)) <= before + 2,
      10_000,
      'descriptors to be released',
    );
    expect(d.output()).not.toContain('unhandled rejection');
    await stillUp();
  });

  it('answers 400 naming the path to a malformed percent-escape', async () => {
    const res = await api(d.url, 'GET', '/api/v1/tasks/%E0%A4%A');
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain('path');
    await stillUp();
  });

  it('answers 431 to headers over the limit', async () => {
    const big = `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`;
    const reply = await rawRequest(d.port, big);
    expect(reply.status).toBe(431);
    await stillUp();
  });

  it('survives a fuzzed mix of request lines, headers and chunked bodies', async () => {
    const cases = [
      'GET / HTTP/9.9\r\n\r\n',
      '\x00\x01\x02\r\n\r\n',
      'GET /health HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n',
      'POST /api/v1/tasks HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
      'POST /api/v1/tasks HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n',
      'GET /%ff%fe HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      'GET //// HTTP/1.1\r\nHost: x\r\n\r\n',
      'GET * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      upgrade('/v1/client%'),
      upgrade('//['),
      'GET /health HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n',
      `GET /${'a'.repeat(70_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
    ];
    for (const bytes of cases) {
      const reply = await rawRequest(d.port, bytes);
      expect(reply.status, JSON.stringify(bytes.slice(0, 60))).toBeGreaterThanOrEqual(400);
      expect(reply.status).toBeLessThan(500);
    }
    await stillUp();
  });
});

describe('input that used to get misleading errors', () => {
  it('filters by a label containing a backslash on SQLite', async () => {
    const res = await api(d.url, 'GET', '/api/v1/tasks?label=a%5C=1');
    expect(res.status).toBe(200);
  });

  it('refuses a NUL in a message, label or id with 400 naming the field', async () => {
    const inMessage = await api(d.url, 'POST', '/api/v1/tasks', { message: 'a\u0000b' });
    expect(inMessage.status).toBe(400);
    expect((inMessage.body.error as { field: string }).field).toBe('message');
    const inLabel = await api(d.url, 'POST', '/api/v1/tasks', { message: 'ok', labels: { a: 'x\u0000' } });
    expect(inLabel.status).toBe(400);
    expect((inLabel.body.error as { field: string }).field).toBe('labels.a');
    const inId = await api(d.url, 'GET', '/api/v1/tasks/t_%00x');
    expect(inId.status).toBe(400);
    expect((inId.body.error as { field: string }).field).toBe('id');
  });

  it('refuses a timeout below one millisecond and a __proto__ label key', async () => {
    const tiny = await api(d.url, 'POST', '/api/v1/tasks', { message: 'ok', timeout_s: 1e-9 });
    expect(tiny.status).toBe(400);
    expect((tiny.body.error as { field: string }).field).toBe('timeout_s');
    const proto = await api(d.url, 'POST', '/api/v1/tasks', '{"message":"ok","labels":{"__proto__":"x"}}');
    expect(proto.status).toBe(400);
    expect((proto.body.error as { field: string }).field).toContain('labels');
  });

  it('answers 409 when an idempotency key is reused with a different body', async () => {
    const first = await api(d.url, 'POST', '/api/v1/tasks', { message: 'one', idempotency_key: 'k-reuse' });
    expect(first.status).toBe(201);
    const same = await api(d.url, 'POST', '/api/v1/tasks', { message: 'one', idempotency_key: 'k-reuse' });
    expect(same.status).toBe(200);
    expect(same.body.created).toBe(false);
    const other = await api(d.url, 'POST', '/api/v1/tasks', { message: 'two', idempotency_key: 'k-reuse' });
    expect(other.status).toBe(409);
    expect((other.body.error as { field: string }).field).toBe('idempotency_key');
  });
});
