import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupDaemons, type DaemonProcess, startDaemon } from '../helpers/daemon-process.js';
import { freePort } from '../helpers/postgres-server.js';
import { waitFor } from '../helpers/wait.js';
import { aidosHealth } from './cli.js';

const TOKEN = 'health-test-token-0123456789';

afterAll(cleanupDaemons);

async function get(d: DaemonProcess, path: string, token?: string) {
  const res = await fetch(`${d.url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const text = await res.text();
  return {
    status: res.status,
    type: res.headers.get('content-type'),
    headers: res.headers,
    text,
    body: JSON.parse(text),
  };
}

describe('health endpoints of a real daemon (SQLite)', () => {
  it('serve application/health+json; details only with a token; metrics need the token', async () => {
    const d = await startDaemon({ env: { AIDOS_API_TOKENS: TOKEN }, waitReady: false });
    await waitFor(async () => (await get(d, '/health/ready')).status === 200, 20_000, 'ready');
    const anon = await get(d, '/health/deep');
    expect(anon.type).toBe('application/health+json');
    expect(Object.keys(anon.body).sort()).toEqual(['serviceId', 'status', 'version']);
    const deep = await get(d, '/health/deep', TOKEN);
    for (const name of [
      'process:eventloop-lag',
      'system:disk-free',
      'store:ready',
      'sqlite:quick-check',
      'sqlite:wal-size',
      'store:migrations',
      'daemon:phase',
    ])
      expect(deep.body.checks, name).toHaveProperty([name]);
    expect(deep.body.checks['store:ready'][0]).toMatchObject({ status: 'pass', componentType: 'datastore' });
    const live = await get(d, '/health', TOKEN);
    expect(Object.keys(live.body.checks)).toEqual(['process:eventloop-lag']);
    expect((await get(d, '/health/startup')).status).toBe(200);
    const cluster = await get(d, '/health/cluster', TOKEN);
    expect(cluster.body.checks['cluster:member']).toEqual([
      expect.objectContaining({ componentId: `n${d.port}`, observedValue: 'alive' }),
    ]);
    // Forced runs: only with a token, and at most one per fresh_min_interval.
    expect((await get(d, '/health/deep?fresh=1', TOKEN)).headers.get('x-health-fresh')).toBe('ran');
    expect((await get(d, '/health/deep?fresh=1', TOKEN)).headers.get('x-health-fresh')).toBe('rate-limited');
    expect((await get(d, '/health/deep?fresh=1')).headers.get('x-health-fresh')).toBeNull();
    expect((await fetch(`${d.url}/metrics`)).status).toBe(401);
    const metrics = await (
      await fetch(`${d.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })
    ).text();
    expect(metrics).toMatch(/aidos_health_check_status\{check="store:ready",affects="ready"\} 0/);
    expect(metrics).toMatch(/aidos_tasks\{state="queued"\} 0/);
    expect(metrics).toContain('aidos_task_claims_total');
    expect(metrics).toContain('process_cpu_user_seconds_total');
    const cli = await aidosHealth(['--deep', '--json', '--url', d.url, '--token', TOKEN]);
    expect(JSON.parse(cli.stdout).checks).toHaveProperty(['store:ready']);
    expect(cli.code).toBe(JSON.parse(cli.stdout).status === 'pass' ? 0 : 1);
    const human = await aidosHealth(['--url', d.url], { AIDOS_TOKEN: TOKEN });
    expect(human.stdout).toMatch(/STATUS\s+CHECK\s+COMPONENT\s+VALUE\s+OUTPUT/);
  });

  it('a full-looking disk fails readiness but not liveness; CLI exits 0/1/2/3; history is written', async () => {
    const d = await startDaemon({
      waitReady: false,
      args: [
        '--set',
        'health.checks.system:disk-free.fail=100',
        '--set',
        'health.checks.process:rss.warn=1',
        '--set',
        'health.checks.process:rss.affects=live',
        '--set',
        'health.checks.system:disk-free.failures_before_fail=1',
        '--set',
        'health.history.flush_every=1s',
      ],
    });
    await waitFor(async () => (await get(d, '/health/startup')).status === 200, 20_000, 'started');
    const ready = await get(d, '/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.body.checks['system:disk-free'][0]).toMatchObject({
      status: 'fail',
      observedUnit: 'percent',
    });
    expect(ready.body.checks['store:ready'][0].status).toBe('pass');
    const live = await get(d, '/health');
    expect(live.status).toBe(200);
    expect(live.body.status).toBe('warn');
    expect((await aidosHealth(['--url', d.url])).code).toBe(1);
    expect((await aidosHealth(['--ready', '--url', d.url])).code).toBe(2);
    const unreachable = await aidosHealth(['--url', `http://127.0.0.1:${await freePort()}`]);
    expect(unreachable.code).toBe(3);
    expect(unreachable.stderr).toContain('unreachable');
    const db = new Database(join(d.dataDir, 'aidos.db'), { readonly: true, fileMustExist: true });
    try {
      const row = await waitFor(
        () =>
          db
            .prepare("SELECT status, node_id FROM health_results WHERE check_name = 'system:disk-free'")
            .get() as { status: string; node_id: string } | undefined,
        10_000,
        'history row',
      );
      expect(row).toEqual({ status: 'fail', node_id: `n${d.port}` });
    } finally {
      db.close();
    }
  });

  it('refuses a health.checks key that names no check', async () => {
    const d = await startDaemon({ waitReady: false, args: ['--set', 'health.checks.disk:typo.warn=1'] });
    const exit = await d.exited;
    expect(exit.code).toBe(78);
    expect(d.output()).toContain('health.checks.disk:typo');
  });
});

describe('aidos health against nothing', () => {
  it('exits 3 when the daemon is unreachable (AIDOS_URL)', async () => {
    const r = await aidosHealth(['--json'], { AIDOS_URL: `http://127.0.0.1:${await freePort()}` });
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 'unknown' });
  });
});

describe('shutdown', () => {
  it('fails readiness first while liveness passes, then exits', async () => {
    const d = await startDaemon({ args: ['--set', 'health.drain_delay=3s'] });
    d.child.kill('SIGTERM');
    await waitFor(async () => (await get(d, '/health/ready')).status === 503, 5_000, 'readiness to fail');
    const ready = await get(d, '/health/ready');
    expect(ready.body.checks['daemon:phase'][0]).toMatchObject({ observedValue: 'draining', status: 'fail' });
    expect((await get(d, '/health')).status).toBe(200);
    expect((await d.exited).code).toBe(0);
  });
});
