/**
 * The pool on real daemons (child processes on 127.0.0.1, one PostgreSQL, the stand-in agent):
 * spread of uniform work over 4 nodes, and failover after kill -9 of a node running tasks.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClusterNode } from '../../../shared/cluster.js';
import type { Task } from '../../../shared/tasks.js';
import { api, getTask, submit, waitForState } from '../../helpers/api.js';
import { cleanupDaemons, type DaemonProcess, startDaemon } from '../../helpers/daemon-process.js';
import { writeStandinConfig } from '../../helpers/standin-config.js';
import { waitFor } from '../../helpers/wait.js';

const KEY = 'bench-pool-cluster-key-0123456789abcdef';
/** The failover timings (docs/tasks.md): guards fire 1.5 s after the last renewal sent. */
const TASKS_CONFIG = { lease: '10s', renew_every: '500ms', guard_after: '1500ms', poll_interval: '1s' };

/** A daemon, waited for with a bound fit for a host loaded by other work (the helper's own is 20 s). */
async function node(url: string, config: string, seed: DaemonProcess | undefined): Promise<DaemonProcess> {
  const d = await startDaemon({
    args: ['--db', url, '--config', config, ...(seed ? ['--join', `127.0.0.1:${seed.port}`] : [])],
    env: { AIDOS_CLUSTER_KEY: KEY },
    waitReady: false,
  });
  await waitFor(async () => (await fetch(`${d.url}/health/ready`)).ok, 120_000, `n${d.port} ready`);
  return d;
}

async function nodes(url: string, config: string, seed: DaemonProcess, n: number): Promise<DaemonProcess[]> {
  const started: DaemonProcess[] = [];
  for (let i = 0; i < n; i++) started.push(await node(url, config, seed));
  return started;
}

async function aliveCount(observer: DaemonProcess): Promise<number> {
  const { nodes } = (await api<{ nodes: ClusterNode[] }>(observer.url, 'GET', '/api/v1/nodes')).body;
  return nodes.filter((m) => m.state === 'alive').length;
}

async function allSee(nodes: DaemonProcess[]): Promise<void> {
  for (const d of nodes)
    await waitFor(async () => (await aliveCount(d)) === nodes.length, 60_000, `${nodes.length} alive`);
}

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;

/** 4 nodes of 4 slots, `tasks` uniform 1 s tasks submitted at once: tasks run per node. */
export async function measureSpread(url: string, tasks: number) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-spread-'));
  try {
    const config = writeStandinConfig(dir, { tasks: TASKS_CONFIG });
    const first = await node(url, config, undefined);
    const all = [first, ...(await nodes(url, config, first, 3))];
    await allSee(all);
    const submitted = await Promise.all(
      Array.from({ length: tasks }, (_, i) => submit(all[i % 4]!.url, { message: `sleep:1000 spread-${i}` })),
    );
    const perNode = new Map(all.map((d) => [`n${d.port}`, 0]));
    for (const t of submitted) {
      const { task } = await waitForState(first.url, t.id, undefined, 180_000);
      perNode.set(task.node_id ?? '?', (perNode.get(task.node_id ?? '?') ?? 0) + 1);
    }
    const counts = [...perNode.values()];
    return {
      method: `4 daemons × 4 slots on one PostgreSQL, ${tasks} uniform 1 s stand-in tasks submitted at once (round-robin over the nodes' APIs)`,
      per_node: counts,
      max_over_min: Math.round((Math.max(...counts) / Math.max(1, Math.min(...counts))) * 100) / 100,
      target: 1.2,
    };
  } finally {
    await cleanupDaemons();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * 3 survivors stay up; each round a fresh victim joins, tasks spread over the 4 (one each), the
 * victim is killed with SIGKILL, and each of its tasks is timed until its next attempt's agent
 * started on a survivor (the `started` event, stamped by the store's clock on this host).
 */
export async function measureFailover(url: string, kills: number) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-failover-'));
  const times: number[] = [];
  let doubleRuns = 0;
  let done = 0;
  try {
    const config = writeStandinConfig(dir, { tasks: TASKS_CONFIG });
    const a = await node(url, config, undefined);
    const survivors = [a, ...(await nodes(url, config, a, 2))];
    for (let round = 0; done < kills && round < kills * 3; round++) {
      const victim = await node(url, config, a);
      await allSee([...survivors, victim]);
      const submitted = await Promise.all(
        [0, 1, 2, 3].map((i) => submit(a.url, { message: `hang-until:2 failover-${round}-${i}` })),
      );
      const running: Task[] = [];
      for (const t of submitted) running.push((await waitForState(a.url, t.id, ['running'], 60_000)).task);
      const mine = running.filter((t) => t.node_id === `n${victim.port}`);
      if (mine.length > 0) done++;
      const killedAt = Date.now();
      await victim.kill9();
      for (const t of mine) {
        const started = await waitFor(
          async () =>
            (await getTask(a.url, t.id)).events.find((e) => e.kind === 'started' && e.attempt === 2),
          60_000,
          `task ${t.id} running again`,
        );
        times.push(started.at - killedAt);
      }
      for (const t of mine) {
        const { events } = await waitForState(a.url, t.id, undefined, 60_000);
        if (events.filter((e) => e.kind === 'succeeded').length > 1) doubleRuns++;
      }
      for (const t of running.filter((r) => !mine.includes(r)))
        await api(a.url, 'POST', `/api/v1/tasks/${t.id}/cancel`);
      for (const t of running) await waitForState(a.url, t.id, undefined, 60_000);
    }
    const sorted = [...times].sort((x, y) => x - y);
    return {
      method: `3 survivors + a fresh victim per round (4 daemons, one PostgreSQL); tasks.guard_after ${TASKS_CONFIG.guard_after}, renew_every ${TASKS_CONFIG.renew_every}, lease ${TASKS_CONFIG.lease}; kill -9 → the task's next agent started elsewhere`,
      kills: done,
      tasks_moved: times.length,
      p50_ms: quantile(sorted, 0.5),
      p99_ms: quantile(sorted, 0.99),
      max_ms: sorted.at(-1),
      double_runs: doubleRuns,
      target_p99_ms: 5_000,
    };
  } finally {
    await cleanupDaemons();
    rmSync(dir, { recursive: true, force: true });
  }
}
