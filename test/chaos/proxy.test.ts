import { once } from 'node:events';
import { type AddressInfo, createConnection, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Toxic } from '../../chaos/faults/spec.js';
import { FaultProxy } from '../../chaos/proxy/proxy.js';

// The fault proxy on plain TCP: what it does to a byte stream, independent of PostgreSQL.

const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** An upstream that hands over its side of the first connection, a proxy in front of it, and a client through the proxy. */
async function link(): Promise<{ proxy: FaultProxy; upstream: Socket; client: Socket }> {
  let accepted: (s: Socket) => void = () => {};
  const first = new Promise<Socket>((resolve) => {
    accepted = resolve;
  });
  const server: Server = createServer((s) => accepted(s));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const proxy = new FaultProxy({
    name: 'p',
    listenHost: '127.0.0.1',
    listenPort: 0,
    upstreamHost: '127.0.0.1',
    upstreamPort: (server.address() as AddressInfo).port,
  });
  await proxy.start();
  const client = createConnection({ host: '127.0.0.1', port: proxy.port });
  await once(client, 'connect');
  const upstream = await first;
  closers.push(
    () => new Promise<void>((resolve) => server.close(() => resolve())),
    () => proxy.close(),
    () => {
      client.destroy();
      upstream.destroy();
    },
  );
  return { proxy, upstream, client };
}

/** Resolves with the first `bytes` bytes the socket receives (bounded: rejects after `timeoutMs`). */
function receive(socket: Socket, bytes: number, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let got = 0;
    const timer = setTimeout(
      () => reject(new Error(`${got} of ${bytes} bytes after ${timeoutMs} ms`)),
      timeoutMs,
    );
    socket.on('data', (b: Buffer) => {
      parts.push(b);
      got += b.length;
      if (got >= bytes) {
        clearTimeout(timer);
        resolve(Buffer.concat(parts));
      }
    });
  });
}

/** Writes records 0 … n−1 (4 bytes each) one at a time, yielding between writes so the proxy reads them as separate chunks. */
async function writeRecords(socket: Socket, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const record = Buffer.alloc(4);
    record.writeUInt32BE(i);
    socket.write(record);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

function outOfPlace(data: Buffer, n: number): number[] {
  const wrong: number[] = [];
  for (let i = 0; i < n; i++) if (data.readUInt32BE(i * 4) !== i) wrong.push(i);
  return wrong;
}

describe('TCP fault proxy', () => {
  const cases: [string, Toxic][] = [
    ['latency ± jitter', { type: 'latency', latency_ms: 20, jitter_ms: 15 }],
    ['a bandwidth limit', { type: 'bandwidth', rate_kbps: 32 }],
  ];
  for (const [what, toxic] of cases)
    it(`${what} delays chunks but never reorders them`, async () => {
      const { proxy, upstream, client } = await link();
      proxy.addToxic({ id: 't', toxic, direction: 'downstream' });
      const n = 2_000;
      const received = receive(client, n * 4, 20_000);
      await writeRecords(upstream, n);
      // A reordered stream is a corrupt one (a PostgreSQL client waits for bytes that never come).
      expect(outOfPlace(await received, n)).toEqual([]);
    });

  it('a short tail read right after a long chunk leaves after it, at the limited rate', async () => {
    // PostgreSQL's reply to a wide row, when the server is descheduled between its send() calls:
    // the DataRow in one read, CommandComplete + ReadyForQuery (20 bytes) in the next.
    const { proxy, upstream, client } = await link();
    proxy.addToxic({ id: 't', toxic: { type: 'bandwidth', rate_kbps: 32 }, direction: 'downstream' });
    const body = Buffer.alloc(49_152, 'x');
    const tail = Buffer.alloc(20, 't');
    const received = receive(client, body.length + tail.length, 10_000);
    const started = performance.now();
    upstream.write(body);
    await new Promise((resolve) => setTimeout(resolve, 2));
    upstream.write(tail);
    const data = await received;
    expect(data.subarray(body.length).toString()).toBe(tail.toString());
    expect(data.subarray(0, body.length).equals(body)).toBe(true);
    // 48 KiB at 32 KiB/s: 1.5 s.
    expect(performance.now() - started).toBeGreaterThanOrEqual(1_400);
  });

  it('is a clean pipe again once the toxic is removed, after what it held has left in order', async () => {
    const { proxy, upstream, client } = await link();
    proxy.addToxic({
      id: 't',
      toxic: { type: 'latency', latency_ms: 200, jitter_ms: 0 },
      direction: 'downstream',
    });
    const received = receive(client, 8, 5_000);
    upstream.write(Buffer.from('held'));
    proxy.removeToxic('t');
    upstream.write(Buffer.from('next'));
    expect((await received).toString()).toBe('heldnext');
    expect(proxy.toxics()).toEqual([]);
  });
});
