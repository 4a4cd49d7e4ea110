import { spawnSync } from 'node:child_process';
import { appendFileSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDrill } from '../../chaos/drill/engine.js';
import { HttpDrillTarget } from '../../chaos/drill/http-target.js';
import { hostFaults } from '../../chaos/drill/steps.js';
import { FaultHost } from '../../chaos/host/fault-host.js';
import { FaultProxy } from '../../chaos/proxy/proxy.js';
import { loadLibrary, parseScenario } from '../../chaos/scenario/load.js';
import { allProcesses } from '../../daemon/agents/proc.js';
import { PostgresChaosFacet } from '../../daemon/store/postgres/chaos-facet.js';
import { cleanupDaemons, type DaemonProcess, startDaemon } from '../helpers/daemon-process.js';
import { startThrowawayPostgres, type ThrowawayPostgres } from '../helpers/postgres-server.js';
import { writeStandinConfig } from '../helpers/standin-config.js';

// Drill safety on a real daemon over a real PostgreSQL reached through a fault proxy, with the
// engine and its fault host in this process: abort, dry run, requirements. (Every scenario of the
// library runs on a three-node cluster in cluster-drills.test.ts.)
// A server of its own: pg-pool-exhaustion takes every free connection, which would starve other test files.
let db: ThrowawayPostgres;
let proxy: FaultProxy;
let facet: PostgresChaosFacet;
let daemon: DaemonProcess;
let host: FaultHost;
let target: HttpDrillTarget;
let dir: string;
let dataDir: string;
let watcher: pg.Client;
const library = loadLibrary();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'aidos-drill-'));
  dataDir = join(dir, 'data');
  await mkdir(dataDir);
  // A small filesystem of its own for disk-nearly-full when root (tmpfs); else the fill stops at the floor of /tmp.
  if (process.getuid?.() === 0) spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=160m', 'tmpfs', dataDir]);
  db = await startThrowawayPostgres();
  const url = new URL(db.url);
  proxy = new FaultProxy({
    name: 'pg',
    listenHost: '127.0.0.1',
    listenPort: 0,
    upstreamHost: url.hostname,
    upstreamPort: Number(url.port),
  });
  await proxy.start();
  const viaProxy = new URL(db.url);
  viaProxy.port = String(proxy.port);
  daemon = await startDaemon({
    dataDir,
    args: [
      '--config',
      writeStandinConfig(dir),
      '--db',
      viaProxy.toString(),
      '--set',
      'store.connect_timeout=1s',
      '--set',
      'health.timeout=1s',
      '--set',
      'health.schedules.fast=* * * * * *',
      '--set',
      'health.schedules.deep=*/2 * * * * *',
    ],
  });
  facet = new PostgresChaosFacet({ url: db.url, connectTimeoutMs: 2_000 });
  const nodeId = `n${daemon.port}`;
  target = new HttpDrillTarget(nodeId, { url: daemon.url, postgres: true });
  host = new FaultHost({
    dataDir: join(dir, 'host'),
    context: {
      nodeId,
      dataDir,
      pg: facet,
      proxies: new Map([['pg', proxy]]),
      processes: async (t) =>
        'agents' in t ? (await target.agentPids()).slice(0, t.agents === 'one' ? 1 : undefined) : [],
    },
  });
  watcher = new pg.Client({ connectionString: db.url });
  await watcher.connect();
}, 90_000);

afterAll(async () => {
  if (process.env.SHOW_DRILL_REPORT && daemon) {
    appendFileSync(`${process.env.SHOW_DRILL_REPORT}.daemon`, daemon.output());
    const exit = await Promise.race([daemon.exited, new Promise((r) => setTimeout(() => r('running'), 100))]);
    appendFileSync(`${process.env.SHOW_DRILL_REPORT}.daemon`, `\nEXIT ${JSON.stringify(exit)}\n`);
  }
  await host?.close();
  await cleanupDaemons();
  await watcher?.end();
  await facet?.close();
  await proxy?.close();
  await db?.destroy();
  if (process.getuid?.() === 0) spawnSync('umount', ['-q', dataDir]);
  await rm(dir, { recursive: true, force: true });
}, 60_000);

/** Outside checks: no toxics, no chaos sessions, no fill file, no helper process, the proxy passes queries. */
async function nothingLeft(): Promise<void> {
  expect(proxy.toxics()).toEqual([]);
  const sessions = await watcher.query(
    "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'aidos-chaos' AND pid <> pg_backend_pid()",
  );
  expect(sessions.rows[0].n).toBe(0);
  expect((await readdir(dataDir)).filter((f) => f.startsWith('.aidos-chaos-fill-'))).toEqual([]);
  // Stress helpers are `node -e …` children of the fault host (this process).
  const helpers = allProcesses().filter((p) => {
    if (p.ppid !== process.pid || p.state === 'Z') return false;
    const cmd = readFileSync(`/proc/${p.pid}/cmdline`, 'utf8').split('\0');
    return cmd[1] === '-e';
  });
  expect(helpers).toEqual([]);
  const probe = new pg.Client({
    connectionString: (() => {
      const u = new URL(db.url);
      u.port = String(proxy.port);
      return u.toString();
    })(),
  });
  await probe.connect();
  expect((await probe.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  await probe.end();
  expect(host.list()).toEqual([]);
}

const LONG = `name: long-stress
description: two faults for a minute, to be aborted
load: { tasks: 2, message: "sleep:100 drill", every: 100ms }
steps:
  - parallel:
      - fault: { kind: cpu-stress, workers: 1, share: 0.2 }
        duration: 60s
      - fault: { kind: proxy-toxic, proxy: pg, toxic: { type: latency, latency_ms: 5 } }
        duration: 60s
`;

describe('drill safety', () => {
  it('abort reverts every fault within 1 s and the verdict says aborted', async () => {
    const abort = new AbortController();
    let injected = 0;
    const both = new Promise<void>((resolve) =>
      host.on('injected', function onInjected() {
        if (++injected === 2) {
          host.off('injected', onInjected);
          resolve();
        }
      }),
    );
    const drill = runDrill(parseScenario(LONG, 'long-stress.yaml'), target, hostFaults(host), {
      signal: abort.signal,
    });
    await both;
    const reverted: number[] = [];
    host.on('reverted', () => reverted.push(Date.now()));
    const abortedAt = Date.now();
    abort.abort();
    const report = await drill;
    expect(reverted).toHaveLength(2);
    expect(Math.max(...reverted) - abortedAt).toBeLessThan(1_000);
    expect(report.verdict).toBe('aborted');
    expect(report.aborts).toContainEqual(expect.objectContaining({ condition: 'manual', fired: true }));
    expect(report.tasks.lost).toBe(0);
    await nothingLeft();
  }, 60_000);

  it('a dry run plans the faults and injects nothing', async () => {
    let injected = 0;
    const count = () => injected++;
    host.on('injected', count);
    const report = await runDrill(parseScenario(LONG, 'long-stress.yaml'), target, hostFaults(host), {
      dryRun: true,
    });
    host.off('injected', count);
    expect(injected).toBe(0);
    expect(report.verdict).toBe('dry_run');
    expect(report.faults.map((f) => f.kind)).toEqual(['cpu-stress', 'proxy-toxic']);
    expect(report.faults[0]?.magnitude).toMatchObject({ workers: 1, share: 0.2 });
  });

  it('refuses a scenario whose requirements the node lacks, naming the field', async () => {
    const scenario = library.get('partition-one');
    if (!scenario) throw new Error('partition-one missing');
    await expect(runDrill(scenario, target, hostFaults(host))).rejects.toMatchObject({
      field: 'requires',
      message: expect.stringMatching(/needs cluster/),
    });
  });
});
