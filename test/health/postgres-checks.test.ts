import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresChecks } from '../../daemon/health/checks/postgres.js';
import { resolveCheck } from '../../daemon/health/resolve.js';
import { HealthRunner } from '../../daemon/health/runner.js';
import type { PostgresDiagnostics, PostgresProbe, Store } from '../../daemon/store/facets.js';
import { migrationRunner, openStore } from '../../daemon/store/open.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres-db.js';
import { waitFor } from '../helpers/wait.js';
import { healthConfig } from './helpers.js';

let db: TestDatabase;
let store: Store;
let diagnostics: PostgresDiagnostics;
let diag: PostgresProbe;
let runner: HealthRunner;
const clients: pg.Client[] = [];

async function session(): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: db.url });
  c.on('error', () => {});
  await c.connect();
  clients.push(c);
  return c;
}

async function status(name: string): Promise<string> {
  return (await runner.run(name)).status;
}

beforeAll(async () => {
  db = await createTestDatabase('aidos_health_pg');
  store = openStore(
    {
      url: db.url,
      busy_timeout: 5_000,
      pool_max: 2,
      idle_timeout: 10_000,
      statement_timeout: 20_000,
      connect_timeout: 5_000,
    },
    'pgcheck',
  );
  if (store.diagnostics.dialect !== 'postgres') throw new Error('expected a PostgreSQL store');
  diagnostics = store.diagnostics;
  await migrationRunner(store).up();
  diag = diagnostics.openProbe({ applicationName: 'aidos-health-test', timeoutMs: 5_000 });
  const config = healthConfig({
    failures_before_fail: 1,
    successes_before_pass: 1,
    checks: {
      'postgres:latency': { timeout: '500ms' },
      'postgres:longest-query': { warn: 300, fail: 1_500 },
      'postgres:longest-transaction': { warn: 300, fail: 60_000 },
      'postgres:blocked-sessions': { warn: 1, fail: 2 },
      'postgres:pool-waiting': { warn: 1, fail: 2 },
    },
  });
  runner = new HealthRunner({ nodeId: 'pgcheck', freshMinIntervalMs: 0 });
  runner.add(
    ...postgresChecks({
      ping: () => diagnostics.ping(),
      poolFigures: () => diagnostics.poolFigures(),
      probe: diag,
      description: diagnostics.description,
    }).map((c) => resolveCheck(c, config)),
  );
  const setup = await session();
  await setup.query('CREATE TABLE probe (id int PRIMARY KEY, v int)');
  await setup.query('INSERT INTO probe VALUES (1, 0), (2, 0)');
});

afterAll(async () => {
  for (const c of clients) await c.end().catch(() => {});
  await diag?.close();
  await store?.close();
  await db?.drop();
});

describe('PostgreSQL checks against a real server', () => {
  it('all pass on a quiet database; replication lag is 0 on a primary without replicas', async () => {
    // The first run opens the pool's first connection, which pg-pool counts as a waiting caller.
    await runner.runMany(runner.list().map((c) => c.name));
    await runner.runMany(runner.list().map((c) => c.name));
    for (const check of runner.list())
      expect(`${check.name}=${runner.result(check.name)?.status}`).toBe(`${check.name}=pass`);
    expect(runner.result('postgres:replication-lag')?.observation).toMatchObject({
      observedValue: 0,
      output: 'primary, no replicas streaming',
    });
  });

  it('a long query warns, then fails, then passes once it ends', async () => {
    const c = await session();
    const sleeping = c.query('SELECT pg_sleep(2.5)');
    await waitFor(async () => (await status('postgres:longest-query')) === 'warn', 5_000, 'long query warn');
    await waitFor(async () => (await status('postgres:longest-query')) === 'fail', 5_000, 'long query fail');
    expect(runner.result('postgres:longest-query')?.observation.output).toContain('pg_sleep');
    await sleeping;
    expect(await status('postgres:longest-query')).toBe('pass');
  });

  it('a held lock blocks sessions: one warns, two fail; an open transaction warns', async () => {
    const holder = await session();
    await holder.query('BEGIN');
    await holder.query('UPDATE probe SET v = v + 1 WHERE id = 1');
    const w1 = await session();
    const w2 = await session();
    const blocked1 = w1.query('UPDATE probe SET v = v + 10 WHERE id = 1');
    await waitFor(async () => (await status('postgres:blocked-sessions')) === 'warn', 5_000, 'one blocked');
    expect(runner.result('postgres:blocked-sessions')?.observation.output).toMatch(/blocked by \{\d+\}/);
    const blocked2 = w2.query('UPDATE probe SET v = v + 100 WHERE id = 1');
    await waitFor(async () => (await status('postgres:blocked-sessions')) === 'fail', 5_000, 'two blocked');
    await waitFor(
      async () => (await status('postgres:longest-transaction')) === 'warn',
      5_000,
      'open transaction',
    );
    await holder.query('ROLLBACK');
    await Promise.all([blocked1, blocked2]);
    expect(await status('postgres:blocked-sessions')).toBe('pass');
    expect(await status('postgres:longest-transaction')).toBe('pass');
  });

  it('an exhausted pool shows waiting callers while diagnostics still answer', async () => {
    // Both pool connections wait on a lock another session holds; the pool is exhausted.
    const locker = await session();
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE tasks IN ACCESS EXCLUSIVE MODE');
    const held = [store.getTask('t_held_1'), store.getTask('t_held_2')].map((p) => p.catch(() => undefined));
    let released = false;
    const release = async () => {
      if (released) return;
      released = true;
      await locker.query('ROLLBACK');
      await Promise.all(held);
    };
    try {
      await waitFor(
        () => {
          const p = diagnostics.poolFigures();
          return p.total === 2 && p.idle === 0;
        },
        10_000,
        'both pool connections to be taken',
      );
      const waiting1 = store.ping().catch(() => undefined);
      expect(await status('postgres:pool-in-use')).toBe('warn');
      expect(await status('postgres:pool-waiting')).toBe('warn');
      const waiting2 = store.ping().catch(() => undefined);
      expect(await status('postgres:pool-waiting')).toBe('fail');
      // The daemon's pool is stuck, so its latency check times out; the diagnostics pool is not.
      const latency = await runner.run('postgres:latency');
      expect(latency).toMatchObject({ status: 'fail', observation: { output: 'timed out after 500 ms' } });
      expect(await status('postgres:connections')).toBe('pass');
      await release();
      await Promise.all([waiting1, waiting2]);
    } finally {
      await release();
    }
    expect(await status('postgres:pool-waiting')).toBe('pass');
    await waitFor(async () => (await status('postgres:latency')) === 'pass', 5_000, 'latency back');
  });

  it('a real deadlock shows as a change of pg_stat_database.deadlocks', async () => {
    expect(await status('postgres:deadlocks')).toBe('pass');
    const a = await session();
    const b = await session();
    await a.query('BEGIN');
    await b.query('BEGIN');
    await a.query('UPDATE probe SET v = 1 WHERE id = 1');
    await b.query('UPDATE probe SET v = 2 WHERE id = 2');
    const outcomes = await Promise.allSettled([
      a.query('UPDATE probe SET v = 1 WHERE id = 2'),
      b.query('UPDATE probe SET v = 2 WHERE id = 1'),
    ]);
    expect(outcomes.some((o) => o.status === 'rejected' && /deadlock/.test(String(o.reason)))).toBe(true);
    await a.query('ROLLBACK');
    await b.query('ROLLBACK');
    // Cumulative statistics reach pg_stat_database within about a second.
    await waitFor(async () => (await status('postgres:deadlocks')) === 'warn', 10_000, 'deadlock counted');
    expect(runner.result('postgres:deadlocks')?.observation.observedValue).toBeGreaterThanOrEqual(1);
    expect(await status('postgres:deadlocks')).toBe('pass');
  });

  it('connections are measured against max_connections', async () => {
    const r = await runner.run('postgres:connections');
    expect(r.observation.output).toMatch(/^\d+ of \d+ usable \(max_connections \d+\)$/);
    const strict = resolveCheck(
      runner.check('postgres:connections')!,
      healthConfig({ checks: { 'postgres:connections': { warn: 0.01, fail: 100 } } }),
    );
    const strictRunner = new HealthRunner({ nodeId: 'x', freshMinIntervalMs: 0 });
    strictRunner.add({ ...strict, name: 'postgres:connections' });
    expect((await strictRunner.run('postgres:connections')).status).toBe('warn');
  });
});
