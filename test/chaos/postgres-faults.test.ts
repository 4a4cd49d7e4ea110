import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFault } from '../../chaos/faults/build.js';
import type { FaultContext } from '../../chaos/faults/context.js';
import { type FaultSpecInput, faultSpecSchema } from '../../chaos/faults/spec.js';
import { FaultProxy } from '../../chaos/proxy/proxy.js';
import { PostgresChaosFacet } from '../../daemon/store/postgres/chaos-facet.js';
import { pidTargets } from '../helpers/chaos.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres-db.js';

let db: TestDatabase;
let proxy: FaultProxy;
let facet: PostgresChaosFacet;
let ctx: FaultContext;
let dir: string;
const clients: pg.Client[] = [];

const spec = (input: FaultSpecInput) => faultSpecSchema.parse(input);

/** A client of the test database, straight or through the proxy. */
async function client(options: { viaProxy?: boolean; application?: string } = {}): Promise<pg.Client> {
  const url = new URL(db.url);
  if (options.viaProxy) {
    url.hostname = '127.0.0.1';
    url.port = String(proxy.port);
  }
  const c = new pg.Client({
    connectionString: url.toString(),
    application_name: options.application ?? 'test',
    connectionTimeoutMillis: 2_000,
    query_timeout: 5_000,
  });
  c.on('error', () => {});
  clients.push(c);
  await c.connect();
  return c;
}

async function timed(c: pg.Client, sql: string): Promise<number> {
  const started = performance.now();
  await c.query(sql);
  return performance.now() - started;
}

beforeAll(async () => {
  db = await createTestDatabase('aidos_chaos');
  const url = new URL(db.url);
  proxy = new FaultProxy({
    name: 'pg',
    listenHost: '127.0.0.1',
    listenPort: 0,
    upstreamHost: url.hostname,
    upstreamPort: Number(url.port),
  });
  await proxy.start();
  facet = new PostgresChaosFacet({ url: db.url, connectTimeoutMs: 2_000 });
  dir = await mkdtemp(join(tmpdir(), 'aidos-chaos-pg-'));
  ctx = { nodeId: 'n1', dataDir: dir, processes: pidTargets, pg: facet, proxies: new Map([['pg', proxy]]) };
  const setup = await client();
  await setup.query('CREATE TABLE tasks (id int)');
});

afterAll(async () => {
  for (const c of clients) await c.end().catch(() => {});
  await facet?.close();
  await proxy?.close();
  await db?.drop();
  await rm(dir, { recursive: true, force: true });
});

describe('TCP fault proxy in front of PostgreSQL', () => {
  it('adds latency both ways and is a clean pipe again after revert', async () => {
    const c = await client({ viaProxy: true });
    expect(await timed(c, 'SELECT 1')).toBeLessThan(150);
    const fault = buildFault(
      spec({ kind: 'proxy-toxic', proxy: 'pg', toxic: { type: 'latency', latency_ms: 150, jitter_ms: 20 } }),
      ctx,
    );
    await fault.inject();
    // One round trip crosses the proxy twice: at least 2 × (150 - 20) ms.
    expect(await timed(c, 'SELECT 1')).toBeGreaterThanOrEqual(260);
    await fault.revert();
    expect(proxy.toxics()).toEqual([]);
    expect(await fault.verifyReverted()).toEqual([]);
    expect(await timed(c, 'SELECT 1')).toBeLessThan(150);
  });

  it('limits bandwidth on the way back', async () => {
    const c = await client({ viaProxy: true });
    const fault = buildFault(
      spec({
        kind: 'proxy-toxic',
        proxy: 'pg',
        toxic: { type: 'bandwidth', rate_kbps: 32 },
        direction: 'downstream',
      }),
      ctx,
    );
    await fault.inject();
    // 48 KiB at 32 KiB/s takes about 1.5 s, and the reply arrives whole and in order.
    const started = performance.now();
    const { rows } = await c.query("SELECT repeat('x', 49152) AS x");
    expect(performance.now() - started).toBeGreaterThanOrEqual(1_200);
    expect(rows).toEqual([{ x: 'x'.repeat(49_152) }]);
    await fault.revert();
  });

  it('reset_peer breaks open connections and refuses new ones until reverted', async () => {
    const c = await client({ viaProxy: true });
    const fault = buildFault(spec({ kind: 'proxy-toxic', proxy: 'pg', toxic: { type: 'reset_peer' } }), ctx);
    await fault.inject();
    await expect(c.query('SELECT 1')).rejects.toThrow();
    await expect(client({ viaProxy: true })).rejects.toThrow();
    await fault.revert();
    const fresh = await client({ viaProxy: true });
    expect((await fresh.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it('blackhole swallows everything (the database is unreachable), then lets new connections through', async () => {
    const c = await client({ viaProxy: true });
    const fault = buildFault(spec({ kind: 'proxy-toxic', proxy: 'pg', toxic: { type: 'blackhole' } }), ctx);
    await fault.inject();
    await expect(c.query({ text: 'SELECT 1', query_timeout: 500 } as pg.QueryConfig)).rejects.toThrow(
      /timeout/i,
    );
    await expect(client({ viaProxy: true })).rejects.toThrow();
    await fault.revert();
    const fresh = await client({ viaProxy: true });
    expect((await fresh.query('SELECT 2 AS two')).rows).toEqual([{ two: 2 }]);
  });

  it('refuses a toxic for a proxy that does not exist, naming the field', () => {
    expect(() =>
      buildFault(spec({ kind: 'proxy-toxic', proxy: 'nope', toxic: { type: 'reset_peer' } }), ctx),
    ).toThrow(expect.objectContaining({ field: 'proxy', message: expect.stringMatching(/known: pg/) }));
  });
});

describe('PostgreSQL faults', () => {
  it('pool exhaustion holds sessions that are gone from pg_stat_activity after revert', async () => {
    const watcher = await client();
    const count = async () =>
      Number(
        (
          await watcher.query(
            "SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = 'aidos-chaos' AND state = 'idle in transaction'",
          )
        ).rows[0].n,
      );
    const fault = buildFault(spec({ kind: 'pg-pool-exhaustion', connections: 5 }), ctx);
    await fault.inject();
    expect(await count()).toBe(5);
    await fault.revert();
    expect(await fault.verifyReverted()).toEqual([]);
    expect(await count()).toBe(0);
  });

  it('slow queries: writes to the table wait while reads pass, and flow again after revert', async () => {
    const c = await client();
    const fault = buildFault(spec({ kind: 'pg-slow-queries', table: 'tasks' }), ctx);
    await fault.inject();
    await c.query("SET statement_timeout = '300ms'");
    await expect(c.query('INSERT INTO tasks VALUES (1)')).rejects.toThrow(/statement timeout/);
    expect((await c.query('SELECT count(*)::int AS n FROM tasks')).rows).toEqual([{ n: 0 }]);
    await fault.revert();
    await c.query('INSERT INTO tasks VALUES (1)');
    expect(await fault.verifyReverted()).toEqual([]);
  });

  it("terminates the node's own backends and no one else's", async () => {
    const mine = await client({ application: 'aidosd:n1' });
    const other = await client({ application: 'aidosd:n2' });
    const fault = buildFault(spec({ kind: 'pg-kill-connections' }), ctx);
    await fault.inject();
    // The client may learn of it from the socket before the query ("connection error") or from the reply.
    await expect(mine.query('SELECT 1')).rejects.toThrow(/terminat|connection error/);
    expect((await other.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    await fault.revert();
    expect(await fault.verifyReverted()).toEqual([]);
  });
});
