// The real-transport half of `npm run bench -- cluster`: members over authenticated `/v1/peer`
// WebSockets on 127.0.0.1 with LAN timings, either many in this one process (N = 25, 50) or one
// real daemon per child process (N = 5, 10, sharing one throwaway PostgreSQL). Each part measures an
// idle window (CPU and peer bytes per member per second), then kills members one by one: the
// connections reset, as after kill -9, and the survivors' first death verdict and the moment every
// survivor knows are timed.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { LAN } from '../../daemon/cluster/params.js';
import type { ClusterNode } from '../../shared/cluster.js';
import { cleanupDaemons, type DaemonProcess, startDaemon } from '../helpers/daemon-process.js';
import { type PeerMember, startPeer } from '../helpers/peer-net.js';
import { startThrowawayPostgres } from '../helpers/postgres-server.js';
import { waitFor } from '../helpers/wait.js';
import { connectClient, type RawClient } from '../helpers/ws.js';

/** Figures of one part. */
export interface WsFigures {
  n: number;
  /** `in-process`: all members in the benchmark's process; `daemons`: one child process each. */
  mode: 'in-process' | 'daemons';
  converge_s: number;
  idle_window_s: number;
  /** CPU per member, as a fraction of one core (daemons: the whole daemon process, not only gossip). */
  cpu_core_fraction_per_member: number;
  /** Peer frame bytes (JSON + MAC envelope) received per member per second; every byte sent is received once. */
  bytes_per_member_per_s: number;
  kills: number;
  detect_p50_ms: number;
  detect_p99_ms: number;
  all_know_p50_ms: number;
  all_know_p99_ms: number;
}

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN);
};

const ticksPerSecond = 100; // USER_HZ on Linux

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** N members in this process over real sockets. */
export async function inProcess(n: number, kills: number, idleS: number): Promise<WsFigures> {
  const members: PeerMember[] = [];
  try {
    const started = performance.now();
    members.push(await startPeer('m0', { params: LAN }));
    for (let i = 1; i < n; i++)
      members.push(await startPeer(`m${i}`, { params: LAN, seeds: [members[0]!.address] }));
    await waitFor(
      () => members.every((m) => m.swim.members.others('alive').length === n - 1),
      120_000,
      `${n} members to converge`,
    );
    const convergeS = (performance.now() - started) / 1000;
    await sleep(5_000); // the join rumours run out
    const bytes = () => members.reduce((s, m) => s + m.transport.stats.bytesReceived, 0);
    const bytesBefore = bytes();
    const cpuBefore = process.cpuUsage();
    const idleStart = performance.now();
    await sleep(idleS * 1000);
    const elapsed = (performance.now() - idleStart) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const idleBytes = bytes() - bytesBefore;
    const detect: number[] = [];
    const allKnow: number[] = [];
    // At least three survivors: below that no one can confirm a suspicion and it waits the max.
    for (let k = 0; k < Math.min(kills, n - 3); k++) {
      const victim = members.splice(1 + ((k * 7) % (members.length - 1)), 1)[0]!;
      const knows = new Set<string>();
      let first: number | undefined;
      for (const m of members)
        m.swim.on((e) => {
          if (e.kind === 'dead' && e.member.id === victim.id && !knows.has(m.id)) {
            first ??= performance.now();
            knows.add(m.id);
          }
        });
      const killedAt = performance.now();
      victim.swim.stop();
      victim.transport.abort();
      await victim.server.close(0);
      await waitFor(() => knows.size === members.length, 60_000, `every survivor to see ${victim.id} dead`);
      detect.push(first! - killedAt);
      allKnow.push(performance.now() - killedAt);
      await sleep(2_000);
    }
    return {
      n,
      mode: 'in-process',
      converge_s: Math.round(convergeS),
      idle_window_s: Math.round(elapsed),
      cpu_core_fraction_per_member: Number(((cpu.user + cpu.system) / 1e6 / elapsed / n).toFixed(4)),
      bytes_per_member_per_s: Math.round(idleBytes / elapsed / n),
      kills: detect.length,
      detect_p50_ms: quantile(detect, 0.5),
      detect_p99_ms: quantile(detect, 0.99),
      all_know_p50_ms: quantile(allKnow, 0.5),
      all_know_p99_ms: quantile(allKnow, 0.99),
    };
  } finally {
    for (const m of members) await m.close();
  }
}

async function metric(d: DaemonProcess, name: string, label: string): Promise<number> {
  const text = await (await fetch(`${d.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(name) && l.includes(label));
  return line ? Number(line.split(' ').pop()) : 0;
}

async function aliveSeen(d: DaemonProcess): Promise<number> {
  const res = await fetch(`${d.url}/api/v1/nodes`);
  const { nodes } = (await res.json()) as { nodes: ClusterNode[] };
  return nodes.filter((x) => x.state === 'alive').length;
}

/** N real daemons (child processes) on one PostgreSQL. */
export async function daemons(n: number, kills: number, idleS: number, dbUrl: string): Promise<WsFigures> {
  const key = 'bench-cluster-key-0123456789abcdef0123';
  const start = (seed?: DaemonProcess) =>
    startDaemon({
      waitReady: false,
      args: ['--db', dbUrl, ...(seed ? ['--join', `127.0.0.1:${seed.port}`] : [])],
      env: { AIDOS_CLUSTER_KEY: key, AIDOS_LOG_LEVEL: 'warn' },
    });
  const clients: RawClient[] = [];
  try {
    const started = performance.now();
    const first = await start();
    const list = [first, ...(await Promise.all(Array.from({ length: n - 1 }, () => start(first))))];
    await waitFor(
      async () => (await Promise.all(list.map(aliveSeen))).every((c) => c === n),
      180_000,
      `${n} daemons to converge`,
    );
    const convergeS = (performance.now() - started) / 1000;
    await sleep(5_000);
    const bytes = async () =>
      (
        await Promise.all(list.map((d) => metric(d, 'aidos_gossip_bytes_total', 'direction="received"')))
      ).reduce((a, b) => a + b, 0);
    const cpu = () => list.reduce((s, d) => s + cpuSeconds(d.child.pid!), 0);
    const [bytesBefore, cpuBefore, idleStart] = [await bytes(), cpu(), performance.now()];
    await sleep(idleS * 1000);
    const elapsed = (performance.now() - idleStart) / 1000;
    const [idleBytes, idleCpu] = [(await bytes()) - bytesBefore, cpu() - cpuBefore];
    const detect: number[] = [];
    const allKnow: number[] = [];
    for (let k = 0; k < Math.min(kills, n - 3); k++) {
      const victim = list.splice(1 + ((k * 3) % (list.length - 1)), 1)[0]!;
      const id = `n${victim.port}`;
      const watchers = await Promise.all(
        list.map(async (d) => {
          const ws = await connectClient(d.url);
          clients.push(ws);
          ws.send({ type: 'request', id: 1, op: 'subscribe', params: { topics: ['nodes'] } });
          await ws.next((f) => f.kind === 'snapshot', 10_000);
          return ws;
        }),
      );
      const killedAt = performance.now();
      const seenAt = watchers.map((ws) =>
        ws
          .next(
            (f) =>
              f.kind === 'change' &&
              (f.data as ClusterNode).id === id &&
              (f.data as ClusterNode).state === 'dead',
            60_000,
          )
          .then(() => performance.now()),
      );
      await victim.kill9();
      const times = await Promise.all(seenAt);
      detect.push(Math.min(...times) - killedAt);
      allKnow.push(Math.max(...times) - killedAt);
      for (const ws of watchers) ws.ws.close();
      await sleep(2_000);
    }
    return {
      n,
      mode: 'daemons',
      converge_s: Math.round(convergeS),
      idle_window_s: Math.round(elapsed),
      cpu_core_fraction_per_member: Number((idleCpu / elapsed / n).toFixed(4)),
      bytes_per_member_per_s: Math.round(idleBytes / elapsed / n),
      kills: detect.length,
      detect_p50_ms: quantile(detect, 0.5),
      detect_p99_ms: quantile(detect, 0.99),
      all_know_p50_ms: quantile(allKnow, 0.5),
      all_know_p99_ms: quantile(allKnow, 0.99),
    };
  } finally {
    for (const ws of clients) ws.ws.close();
    await cleanupDaemons();
  }
}

/** Both daemon sizes on one throwaway PostgreSQL (a database each). */
export async function daemonParts(sizes: number[], kills: number, idleS: number): Promise<WsFigures[]> {
  const server = await startThrowawayPostgres();
  try {
    const out: WsFigures[] = [];
    for (const n of sizes) {
      const admin = new pg.Client({ connectionString: server.url });
      await admin.connect();
      await admin.query(`CREATE DATABASE bench_cluster_${n}`);
      await admin.end();
      const url = new URL(server.url);
      url.pathname = `/bench_cluster_${n}`;
      out.push(await daemons(n, kills, idleS, url.toString()));
    }
    return out;
  } finally {
    await server.destroy();
  }
}
