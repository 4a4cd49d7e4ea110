import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { allProcesses, readStat } from '../../daemon/agents/proc.js';
import type { ClusterNode } from '../../shared/cluster.js';
import { cleanupDaemons, type DaemonProcess, startDaemon } from './daemon-process.js';
import { freePort, startThrowawayPostgres, type ThrowawayPostgres } from './postgres-server.js';
import { writeStandinConfig } from './standin-config.js';
import { waitFor } from './wait.js';

const KEY = 'chaos-cluster-drills-key-0123456789abcdef';

/** Every library scenario with the `--set` overrides that shorten it for tests and the bench (same checks, shorter faults). */
export const SHORT: Record<string, string[]> = {
  'node-kill': ['load.tasks=6'],
  'node-pause': ['steps.0.duration=5s', 'load.tasks=4'],
  'partition-one': ['steps.0.duration=6s', 'load.tasks=4'],
  'peer-loss': ['steps.0.duration=5s', 'load.tasks=4'],
  'agent-crash-loop': ['steps.0.duration=4s', 'load.tasks=4'],
  'pg-connections-killed': ['steps.0.duration=4s', 'load.tasks=4'],
  'pg-pool-exhaustion': ['steps.0.parallel.0.duration=4s', 'load.tasks=4'],
  'pg-unreachable': ['steps.1.duration=6s', 'load.tasks=3'],
  'slow-store': ['steps.0.duration=4s', 'load.tasks=4'],
  'cpu-saturation': ['steps.0.duration=3s', 'load.tasks=3'],
  'memory-pressure': ['steps.0.duration=3s', 'steps.0.fault.mb=128', 'load.tasks=3'],
  'disk-nearly-full': ['steps.0.duration=3s', 'steps.0.fault.mb=64', 'load.tasks=3'],
};

/** One member: its daemon (replaced when it is restarted) and its own fault proxy in front of PostgreSQL. */
export interface Member {
  /** The daemon running now. */
  daemon: DaemonProcess;
  /** Node id. */
  id: string;
  /** Port of the chaos proxy (`chaos.proxies.pg`) the daemon reaches PostgreSQL through. */
  proxyPort: number;
  /** Restarts after an unexpected exit, as systemd's Restart=always does in production. */
  restarts: number;
}

/** A three-node cluster of real daemons on a PostgreSQL of its own (pool exhaustion starves every client). */
export interface ChaosCluster {
  db: ThrowawayPostgres;
  members: Member[];
  /** The member whose node id is `id`. */
  byId(id: string): Member;
  /** Stops the supervision, the daemons and the server. */
  close(): Promise<void>;
}

function rcUrl(db: ThrowawayPostgres, port: number): string {
  const u = new URL(db.url);
  u.port = String(port);
  return u.toString();
}

/**
 * Starts three daemons with chaos enabled, each reaching PostgreSQL through its own fault proxy
 * (configured, so the daemon runs it), joined into one cluster. A member whose daemon exits
 * without being asked (node-kill) is started again on the same port and data dir.
 */
export async function startChaosCluster(extraArgs: string[] = []): Promise<ChaosCluster> {
  const db = await startThrowawayPostgres();
  const pgPort = Number(new URL(db.url).port);
  const dir = await mkdtemp(join(tmpdir(), 'aidos-chaos-cluster-'));
  let closing = false;
  const members: Member[] = [];
  const start = async (m: { port: number; dataDir: string; proxyPort: number }, seed?: number) => {
    const configDir = join(dir, `cfg-${m.port}`);
    await mkdir(configDir, { recursive: true });
    const config = writeStandinConfig(configDir, {
      chaos: {
        enabled: true,
        proxies: { pg: { listen: `127.0.0.1:${m.proxyPort}`, upstream: `127.0.0.1:${pgPort}` } },
      },
    });
    return startDaemon({
      port: m.port,
      dataDir: m.dataDir,
      waitReady: false,
      env: { AIDOS_CLUSTER_KEY: KEY },
      args: [
        '--config',
        config,
        '--db',
        rcUrl(db, m.proxyPort),
        '--set',
        'store.connect_timeout=1s',
        '--set',
        'health.timeout=1s',
        '--set',
        'health.schedules.fast=* * * * * *',
        '--set',
        'health.schedules.deep=*/2 * * * * *',
        ...(seed ? ['--join', `127.0.0.1:${seed}`] : []),
        ...extraArgs,
      ],
    });
  };
  const supervise = (
    member: Member,
    spec: { port: number; dataDir: string; proxyPort: number },
    seed?: number,
  ) => {
    void member.daemon.exited.then(async () => {
      if (closing) return;
      member.restarts++;
      member.daemon = await start(spec, seed);
      supervise(member, spec, seed);
    });
  };
  const specs = await Promise.all(
    [0, 1, 2].map(async (i) => {
      const dataDir = join(dir, `data-${i}`);
      await mkdir(dataDir, { recursive: true });
      return { port: await freePort(), dataDir, proxyPort: await freePort() };
    }),
  );
  const seed = specs[0]?.port as number;
  for (const [i, spec] of specs.entries()) {
    const daemon = await start(spec, i === 0 ? undefined : seed);
    const member: Member = { daemon, id: `n${spec.port}`, proxyPort: spec.proxyPort, restarts: 0 };
    members.push(member);
    supervise(member, spec, i === 0 ? specs[1]?.port : seed);
  }
  await allAlive(members);
  return {
    db,
    members,
    byId: (id) => {
      const m = members.find((x) => x.id === id);
      if (!m) throw new Error(`no member ${id}`);
      return m;
    },
    close: async () => {
      closing = true;
      await cleanupDaemons();
      await db.destroy();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function get<T>(m: Member, path: string): Promise<T | undefined> {
  const res = await fetch(`${m.daemon.url}${path}`, { signal: AbortSignal.timeout(2_000) }).catch(
    () => undefined,
  );
  return res?.ok ? ((await res.json()) as T) : undefined;
}

/** Every member ready and seeing all three alive. */
export async function allAlive(members: Member[], timeoutMs = 60_000): Promise<void> {
  await waitFor(
    async () => {
      for (const m of members) {
        const ready = await fetch(`${m.daemon.url}/health/ready`, {
          signal: AbortSignal.timeout(2_000),
        }).catch(() => undefined);
        if (ready?.status !== 200) return false;
        const nodes = await get<{ nodes: ClusterNode[] }>(m, '/api/v1/nodes');
        if (nodes?.nodes.filter((n) => n.state === 'alive').length !== members.length) return false;
      }
      return true;
    },
    timeoutMs,
    'every member ready and all alive on each',
  );
}

/** Faults in force on a member, from its API. */
export async function activeFaults(m: Member): Promise<unknown[] | undefined> {
  return (await get<{ active_faults: unknown[] }>(m, '/api/v1/chaos/status'))?.active_faults;
}

/**
 * What "nothing left injected" means, checked from outside the daemons: no fault in force, no
 * daemon stopped, no reverter or stress helper alive, no chaos session in PostgreSQL, no fill
 * file, every proxy passing queries again, and all members alive. Returns what is still left.
 */
export async function leftovers(cluster: ChaosCluster): Promise<string[]> {
  const left: string[] = [];
  const procs = allProcesses();
  const cmdline = (pid: number) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      return '';
    }
  };
  const daemons = new Set(cluster.members.map((m) => m.daemon.child.pid));
  for (const m of cluster.members) {
    const pid = m.daemon.child.pid as number;
    if (readStat(pid)?.state === 'T') left.push(`${m.id}: daemon stopped`);
    const faults = await activeFaults(m);
    if (faults === undefined) left.push(`${m.id}: status unanswered`);
    else if (faults.length) left.push(`${m.id}: ${faults.length} faults in force`);
    const files = (await readdir(m.daemon.dataDir)).filter((f) => f.startsWith('.aidos-chaos-fill-'));
    if (files.length) left.push(`${m.id}: fill files ${files.join(', ')}`);
    const probe = new pg.Client({
      connectionString: rcUrl(cluster.db, m.proxyPort),
      connectionTimeoutMillis: 3_000,
    });
    try {
      await probe.connect();
      await probe.query('SELECT 1');
    } catch (error) {
      left.push(`${m.id}: proxy does not pass queries (${(error as Error).message})`);
    } finally {
      await probe.end().catch(() => {});
    }
  }
  for (const p of procs) {
    if (p.state === 'Z') continue;
    const cmd = cmdline(p.pid);
    if (cmd.includes('stop_after_ms')) left.push(`reverter pid ${p.pid} alive`);
    else if (daemons.has(p.ppid) && cmd.split('\0')[1] === '-e') left.push(`helper pid ${p.pid} alive`);
  }
  const watcher = new pg.Client({ connectionString: cluster.db.url });
  await watcher.connect();
  const sessions = await watcher.query(
    "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'aidos-chaos'",
  );
  await watcher.end();
  if (sessions.rows[0].n > 0) left.push(`${sessions.rows[0].n} chaos sessions in PostgreSQL`);
  return left;
}
