import { connect } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { cleanupDaemons, type DaemonProcess, startDaemon } from '../helpers/daemon-process.js';
import { freePort, startThrowawayPostgres, type ThrowawayPostgres } from '../helpers/postgres-server.js';
import { waitFor } from '../helpers/wait.js';

interface HealthReply {
  status: number;
  contentType: string | null;
  body: {
    status: string;
    output?: string;
    checks?: Record<string, { status: string; componentId?: string; output?: string }[]>;
  };
}

async function health(d: DaemonProcess, path = '/health'): Promise<HealthReply> {
  const res = await fetch(`${d.url}${path}`);
  return {
    status: res.status,
    contentType: res.headers.get('content-type'),
    body: (await res.json()) as HealthReply['body'],
  };
}

function collectStderr(d: DaemonProcess): () => string {
  let err = '';
  d.child.stderr?.on('data', (b: Buffer) => {
    err += b.toString();
  });
  return () => err;
}

/** Sends a request in two parts over a raw socket: the connection counts as busy, not idle, in between. */
function splitRequest(port: number, path: string) {
  const socket = connect(port, '127.0.0.1');
  let data = '';
  socket.on('data', (b: Buffer) => {
    data += b.toString();
  });
  const ended = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  const opened = new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  return {
    start: async () => {
      await opened;
      socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n`);
    },
    finish: async () => {
      socket.write('Connection: close\r\n\r\n');
      await ended;
      return data;
    },
    destroy: () => socket.destroy(),
  };
}

/** The body of a raw HTTP/1.1 response, de-chunked when it is chunked. */
function httpBody(raw: string): string {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split).toLowerCase();
  let rest = raw.slice(split + 4);
  if (!head.includes('transfer-encoding: chunked')) return rest;
  let body = '';
  for (;;) {
    const eol = rest.indexOf('\r\n');
    const size = Number.parseInt(rest.slice(0, eol), 16);
    if (!size) return body;
    body += rest.slice(eol + 2, eol + 2 + size);
    rest = rest.slice(eol + 2 + size + 2);
  }
}

afterEach(async () => {
  await cleanupDaemons();
});

describe('daemon on SQLite', () => {
  it('answers /health and /health/ready in application/health+json, logs JSON lines, stops on SIGTERM', async () => {
    const d = await startDaemon();
    const live = await health(d);
    expect(live.status).toBe(200);
    expect(live.contentType).toContain('application/health+json');
    expect(live.body.status).toBe('pass');
    const ready = await health(d, '/health/ready');
    expect(ready.status).toBe(200);
    // warn, not fail, on machines without the openclaw command (agents:command): still in rotation.
    expect(['pass', 'warn']).toContain(ready.body.status);
    expect(ready.body.checks?.['store:ready']?.[0]).toMatchObject({
      status: 'pass',
      componentId: `sqlite:${join(d.dataDir, 'aidos.db')}`,
    });
    expect((await health(d, '/health/startup')).status).toBe(200);

    const started = Date.now();
    const { code, signal } = await d.stop();
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(Date.now() - started).toBeLessThan(10_000);
    const lines = d
      .output()
      .split('\n')
      .filter((l) => l.trim());
    expect(lines.length).toBeGreaterThan(2);
    for (const line of lines) {
      const entry = JSON.parse(line) as Record<string, unknown>;
      expect(entry).toHaveProperty('level');
      expect(entry).toHaveProperty('time');
      expect(entry).toHaveProperty('msg');
    }
    const messages = d.logs().map((l) => l.msg);
    expect(messages).toContain('aidosd started');
    expect(messages).toContain('shutting down');
    expect(messages.at(-1)).toBe('stopped');
  });

  it('fails readiness while draining but keeps answering requests in flight', async () => {
    const d = await startDaemon();
    const request = splitRequest(d.port, '/health/ready');
    try {
      await request.start();
      d.child.kill('SIGTERM');
      await waitFor(() => d.logs().some((l) => l.msg === 'shutting down'), 5_000, 'the drain to begin');
      const reply = await request.finish();
      expect(reply).toMatch(/^HTTP\/1\.1 503/);
      expect(reply.toLowerCase()).toContain('content-type: application/health+json');
      const body = JSON.parse(httpBody(reply)) as HealthReply['body'];
      expect(body.status).toBe('fail');
      expect(body.checks?.['daemon:phase']?.[0]).toMatchObject({ status: 'fail', observedValue: 'draining' });
      expect(body.checks?.['store:ready']?.[0]?.status).toBe('pass');
    } finally {
      request.destroy();
    }
    expect(await d.exited).toEqual({ code: 0, signal: null });
  });

  it('exits 78 with one line naming data_dir when it cannot be created, also under /proc', async () => {
    // Under /proc, Node's own recursive mkdir never returns; the daemon must fail at once.
    for (const dataDir of ['/proc/aidos-no-such/state', '/etc/hostname/state']) {
      const daemon = await startDaemon({ dataDir, waitReady: false });
      const stderr = collectStderr(daemon);
      const exit = await daemon.exited;
      expect(exit.code).toBe(78);
      const lines = stderr().trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(`data_dir: cannot create ${dataDir}`);
    }
  });

  it('exits 65 with one line naming the file when a migration was tampered with', async () => {
    const first = await startDaemon();
    expect((await first.stop()).code).toBe(0);
    const db = new Database(join(first.dataDir, 'aidos.db'));
    try {
      db.prepare("UPDATE aidos_migrations SET checksum = 'tampered' WHERE version = 1").run();
    } finally {
      db.close();
    }
    const second = await startDaemon({ dataDir: first.dataDir, waitReady: false });
    const stderr = collectStderr(second);
    const exit = await second.exited;
    expect(exit.code).toBe(65);
    const lines = stderr().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('0001_initial.sql');
    expect(lines[0]).toContain('checksum');
    // The history row is still the tampered one: nothing was re-applied or rewritten.
    const check = new Database(join(first.dataDir, 'aidos.db'), { readonly: true });
    try {
      expect(check.prepare('SELECT checksum FROM aidos_migrations WHERE version = 1').all()).toEqual([
        { checksum: 'tampered' },
      ]);
    } finally {
      check.close();
    }
  });
});

describe('daemon on PostgreSQL', () => {
  let server: ThrowawayPostgres | undefined;

  afterAll(async () => {
    await server?.destroy();
  });

  it('stays up but not ready when the database is unreachable', async () => {
    const port = await freePort();
    const url = `postgres://aidos:secret@127.0.0.1:${port}/aidos`;
    const d = await startDaemon({ args: ['--db', url], waitReady: false });
    await waitFor(async () => (await health(d).catch(() => undefined))?.status === 200, 15_000, '/health');
    const ready = await health(d, '/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.body.status).toBe('fail');
    const store = ready.body.checks?.['store:ready']?.[0];
    expect(store?.status).toBe('fail');
    expect(store?.componentId).toContain(`127.0.0.1:${port}`);
    expect(store?.componentId).not.toContain('secret');
    expect(store?.output).toMatch(/ECONNREFUSED|connect/);
    expect(ready.body.output).toBeTruthy();
    // Still up after a few retries.
    await waitFor(
      () =>
        d.logs().filter((l) => l.msg === 'store unreachable; retrying' || l.msg === 'store not ready')
          .length > 0,
      5_000,
      'a retry log line',
    );
    expect((await health(d)).status).toBe(200);
    const stopped = await d.stop();
    expect(stopped.code, d.output().slice(-3000)).toBe(0);
    expect(d.logs().filter((l) => l.msg === 'unhandled rejection')).toEqual([]);
  });

  it('goes not-ready when PostgreSQL stops and recovers by itself when it is back', async () => {
    server = await startThrowawayPostgres();
    const d = await startDaemon({ args: ['--db', server.url] });
    expect((await health(d, '/health/ready')).body.checks?.['store:ready']?.[0]?.componentId).toContain(
      `127.0.0.1:${server.port}`,
    );
    await server.stop();
    await waitFor(async () => (await health(d, '/health/ready')).status === 503, 15_000, 'readiness to fail');
    expect((await health(d)).status).toBe(200);
    await server.start();
    await waitFor(
      async () => (await health(d, '/health/ready')).status === 200,
      20_000,
      'readiness to recover',
    );
    expect((await health(d)).body.status).toBe('pass');
    expect((await d.stop()).code).toBe(0);
  });
});
