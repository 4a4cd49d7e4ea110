import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertHook } from '../../daemon/health/alert.js';
import { HealthHistory } from '../../daemon/health/history.js';
import { HealthRunner } from '../../daemon/health/runner.js';
import type { StatusChange } from '../../daemon/health/types.js';
import type { Store } from '../../daemon/store/facets.js';
import { migrationRunner, openStore } from '../../daemon/store/open.js';
import type { HealthResultRow } from '../../daemon/store/types.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres-db.js';
import { waitFor } from '../helpers/wait.js';
import { scriptedCheck, silentLogger } from './helpers.js';

const DAY = 86_400_000;
const settings = {
  busy_timeout: 5_000,
  pool_max: 4,
  idle_timeout: 10_000,
  statement_timeout: 10_000,
  connect_timeout: 5_000,
};

function row(node: string, check: string, at: number): HealthResultRow {
  return {
    node_id: node,
    check_name: check,
    status: 'pass',
    observed_value: 1,
    observed_unit: 'count',
    output: null,
    duration_ms: 1,
    at,
  };
}

let dir: string;
let pgdb: TestDatabase;
const stores: Store[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'aidos-health-'));
  pgdb = await createTestDatabase('aidos_health_hist');
});

afterAll(async () => {
  for (const s of stores) await s.close();
  await pgdb?.drop();
  await rm(dir, { recursive: true, force: true });
});

async function openMigrated(kind: 'sqlite' | 'postgres', file: string): Promise<Store> {
  const url = kind === 'sqlite' ? `sqlite:${join(dir, file)}` : pgdb.url;
  const store = openStore({ ...settings, url }, 'n1');
  stores.push(store);
  await migrationRunner(store).up();
  return store;
}

describe.each(['sqlite', 'postgres'] as const)('health history on %s', (kind) => {
  it('retention deletes rows older than the cutoff, of every node, and nothing else', async () => {
    const store = await openMigrated(kind, 'retention.db');
    const now = Date.now();
    await store.insertHealthResults([
      row('a', 'x:y', now - 8 * DAY),
      row('b', 'x:y', now - 7 * DAY - 60_000),
      row('a', 'x:z', now - 7 * DAY + 60_000),
      row('b', 'x:z', now - DAY),
      row('a', 'x:y', now),
    ]);
    const history = new HealthHistory(store, {
      nodeId: 'a',
      retentionMs: 7 * DAY,
      sampleEveryMs: 60_000,
      storeReady: () => true,
      now: () => now,
    });
    expect(await history.prune()).toBe(2);
    const left = await store.listHealthResults({ limit: 100 });
    expect(
      left.map((r) => `${r.node_id}/${r.check_name}/${Math.round((now - r.at) / 60_000)}`).sort(),
    ).toEqual(['a/x:y/0', 'a/x:z/10079', 'b/x:z/1440']);
    expect(await history.prune()).toBe(0);
  });

  it('records status changes and one sample per interval, and keeps rows while the store is down', async () => {
    const store = await openMigrated(kind, 'samples.db');
    let now = Date.now() - 60 * 60_000;
    let ready = false;
    const runner = new HealthRunner({ nodeId: 'hist', freshMinIntervalMs: 0, now: () => now });
    const v = (observedValue: number) => ({ observedValue });
    runner.add(
      scriptedCheck(
        'h:one',
        [v(1), v(1), v(30), v(30), v(1), v(1), v(1)],
        {},
        { failures_before_fail: 1, successes_before_pass: 1 },
      ),
    );
    const history = new HealthHistory(store, {
      nodeId: 'hist',
      retentionMs: DAY,
      sampleEveryMs: 60_000,
      storeReady: () => ready,
      now: () => now,
    });
    history.attach(runner);
    for (const step of [0, 10_000, 10_000, 10_000, 10_000, 10_000, 60_000]) {
      now += step;
      await runner.run('h:one');
    }
    expect(await history.flush()).toBe(0);
    ready = true;
    expect(await history.flush()).toBe(4);
    const rows = await store.listHealthResults({ node_id: 'hist', limit: 10 });
    expect(rows.map((r) => r.status).reverse()).toEqual(['pass', 'fail', 'pass', 'pass']);
  });
});

describe('alert hook', () => {
  let server: Server;
  const received: unknown[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => {
        body += d;
      });
      req.on('end', () => {
        received.push(JSON.parse(body));
        res.end('ok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('posts changes to the webhook and runs the command with arguments, no shell', async () => {
    const out = join(dir, 'alert-out.json');
    const script = join(dir, 'alert.mjs');
    await writeFile(
      script,
      [
        "import { writeFileSync } from 'node:fs';",
        "let s = ''; process.stdin.on('data', (d) => { s += d; });",
        "process.stdin.on('end', () => writeFileSync(process.argv[2], JSON.stringify({ stdin: JSON.parse(s), env: process.env.AIDOS_HEALTH_STATUS, arg3: process.argv[3] })));",
      ].join('\n'),
    );
    const address = server.address() as { port: number };
    const hook = new AlertHook(
      {
        webhookUrl: `http://127.0.0.1:${address.port}/hook`,
        command: [process.execPath, script, out, '$(false); ;|'],
        statuses: ['warn', 'fail', 'pass'],
        timeoutMs: 10_000,
      },
      silentLogger,
    );
    const runner = new HealthRunner({ nodeId: 'n-alert', freshMinIntervalMs: 0 });
    runner.add(
      scriptedCheck(
        'a:b',
        [{ observedValue: 1 }, { observedValue: 25, output: 'too many' }],
        {},
        { failures_before_fail: 1 },
      ),
    );
    const changes: StatusChange[] = [];
    runner.events.on('health.change', (c: StatusChange) => changes.push(c));
    await runner.run('a:b');
    await runner.run('a:b');
    for (const c of changes) await hook.send(c);
    // The first passing result is not news: only the change to fail is delivered.
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({
      node_id: 'n-alert',
      check: 'a:b',
      from: 'pass',
      to: 'fail',
      output: 'too many',
    });
    const written = JSON.parse(await waitFor(() => readFile(out, 'utf8'), 5_000, 'alert command output'));
    expect(written).toMatchObject({ stdin: { check: 'a:b', to: 'fail' }, env: 'fail', arg3: '$(false); ;|' });
  });
});
