/**
 * `npm run bench -- chaos-overhead`: what the chaos seams cost when no fault is active. A two-node
 * cluster of real daemons (composeDaemon with every module, in this process, on one SQLite file,
 * talking over real /v1/peer WebSockets on 127.0.0.1) is started with `chaos.enabled: true` and
 * with `chaos.enabled: false`, alternately (ABBA…, a fresh cluster each time), and each run measures
 * - claims/s: N tasks submitted over HTTP to node 1 (the only worker, 8 slots), claimed and run by
 *   an agent profile that is `/bin/cat` of an OpenClaw result envelope (a real process, cheap), from
 *   the first submit to the last `succeeded` on the event bus;
 * - peer message latency: SWIM pings from node 1 to node 2 through node 1's peer transport as the
 *   host's seams wrapped it, timed until node 2's ack is back (one at a time).
 * Prints one JSON line: medians per mode, the enabled/disabled ratios (target within 2 %), and the
 * load average, since the machine may be shared.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import pino from 'pino';
import YAML from 'yaml';
import { composeDaemon, MODULES } from '../../daemon/compose.js';
import { loadConfig } from '../../daemon/config/load.js';
import type { Daemon } from '../../daemon/runtime/daemon.js';
import type { DaemonModule, PeerTransport } from '../../daemon/runtime/module.js';
import type { Task } from '../../shared/tasks.js';
import { freePort } from '../helpers/postgres-server.js';
import { waitFor } from '../helpers/wait.js';

const ROUNDS = Number(process.env.BENCH_OVERHEAD_ROUNDS ?? 6);
const TASKS = Number(process.env.BENCH_OVERHEAD_TASKS ?? 200);
const PINGS = Number(process.env.BENCH_OVERHEAD_PINGS ?? 400);
const KEY = 'bench-overhead-cluster-key-0123456789abcdef';
const ENVELOPE = resolve('test/fixtures/openclaw-envelopes/ok.json');
const quiet = pino({ level: 'silent' });

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN;
};
const r3 = (n: number) => Math.round(n * 1000) / 1000;

/** What the bench sees of a daemon: its event bus and its peer transport, wrapped by nothing. */
interface Probe {
  transport?: PeerTransport;
  succeeded: (task: Task) => void;
}

/** Installed last; its wrapper returns the transport it is given, so it adds nothing to the path. */
function probeModule(probe: Probe): DaemonModule {
  return {
    name: 'bench-probe',
    wrap: {
      peerTransport: (t) => {
        probe.transport = t;
        return t;
      },
    },
    install(ctx) {
      ctx.events.on('task.changed', (task) => {
        if (task.state === 'succeeded') probe.succeeded(task);
      });
    },
  };
}

interface Cluster {
  nodes: Daemon[];
  probe: Probe;
  url: string;
  dir: string;
}

async function startCluster(enabled: boolean): Promise<Cluster> {
  const dir = await mkdtemp(join(tmpdir(), 'aidos-bench-overhead-'));
  const ports = [await freePort(), await freePort()];
  const probe: Probe = { succeeded: () => {} };
  const nodes: Daemon[] = [];
  for (const [i, port] of ports.entries()) {
    const file = join(dir, `n${i}.yaml`);
    await writeFile(
      file,
      YAML.stringify({
        node_id: `bench-${i}`,
        listen: `127.0.0.1:${port}`,
        data_dir: join(dir, `data-${i}`),
        // One store for both: the same identity, as a real cluster's PostgreSQL.
        store: { url: `sqlite:${join(dir, 'aidos.db')}` },
        roles: i === 0 ? ['api', 'worker'] : ['api'],
        log: { level: 'silent' },
        agents: {
          default_profile: 'cat',
          slots: 8,
          profiles: { cat: { command: '/bin/cat', args: [ENVELOPE], timeout: '30s' } },
        },
        cluster: { key: KEY, join: i === 0 ? [] : [`127.0.0.1:${ports[0]}`] },
        chaos: { enabled },
      }),
    );
    const modules = i === 0 ? [...MODULES, probeModule(probe)] : MODULES;
    const daemon = composeDaemon(loadConfig({ file, env: { HOME: dir } }), quiet, { modules });
    await daemon.start();
    nodes.push(daemon);
  }
  const url = `http://127.0.0.1:${ports[0]}`;
  await waitFor(
    async () => {
      const res = await fetch(`${url}/api/v1/nodes`);
      const { nodes: members } = (await res.json()) as { nodes: { state: string }[] };
      return members.filter((m) => m.state === 'alive').length === 2 && probe.transport;
    },
    30_000,
    'both members alive',
  );
  return { nodes, probe, url, dir };
}

async function stopCluster(c: Cluster): Promise<void> {
  for (const d of [...c.nodes].reverse()) await d.stop();
  await rm(c.dir, { recursive: true, force: true });
}

/** N tasks submitted 8 at a time; claims/s from the first submit to the last success. */
async function claimsPerSecond(c: Cluster, n: number): Promise<number> {
  const ids = new Set<string>();
  let done = 0;
  let last = 0;
  const all = new Promise<void>((resolveAll) => {
    c.probe.succeeded = (task) => {
      if (!ids.has(task.id)) return;
      ids.delete(task.id);
      done++;
      last = performance.now();
      if (done === n) resolveAll();
    };
  });
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < n) {
        next++;
        const res = await fetch(`${c.url}/api/v1/tasks`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ message: 'bench' }),
        });
        const { task } = (await res.json()) as { task: Task };
        ids.add(task.id);
      }
    }),
  );
  await Promise.race([
    all,
    new Promise((_, reject) =>
      setTimeout(() => reject(new Error(`only ${done}/${n} tasks succeeded`)), 120_000),
    ),
  ]);
  return n / ((last - started) / 1000);
}

/** Round trips of SWIM pings through node 1's peer transport, one at a time (ms). */
async function pingTimes(c: Cluster, n: number): Promise<number[]> {
  const transport = c.probe.transport as PeerTransport;
  const peer = c.nodes[1] as Daemon;
  let waiting: { seq: number; done: () => void } | undefined;
  const off = transport.onFrame((_from, frame) => {
    const f = frame as { type?: string; seq?: number };
    if (f.type === 'ack' && waiting && f.seq === waiting.seq) waiting.done();
  });
  const times: number[] = [];
  try {
    for (let i = 0; i < n; i++) {
      // Far above the protocol's own sequence numbers: its probes never collide with these.
      const seq = 1_000_000_000 + i;
      const acked = new Promise<void>((done) => {
        waiting = { seq, done };
      });
      const t = performance.now();
      void transport.send(peer.address, { type: 'ping', seq, from: 'bench-0', to: 'bench-1', updates: [] });
      await Promise.race([acked, new Promise((r) => setTimeout(r, 2_000))]);
      times.push(performance.now() - t);
    }
  } finally {
    off();
  }
  return times;
}

/** Runs the ABBA rounds and returns the figures (also part of `npm run bench -- chaos`). */
export async function measureChaosOverhead(): Promise<Record<string, unknown>> {
  const runs: Record<'enabled' | 'disabled', { claims: number[]; ping_p50: number[]; ping_p99: number[] }> = {
    enabled: { claims: [], ping_p50: [], ping_p99: [] },
    disabled: { claims: [], ping_p50: [], ping_p99: [] },
  };
  const load = [loadavg()[0] as number];
  const order: string[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    // ABBA: a drift of the machine's load over the run weighs on both modes alike.
    const modes = round % 2 === 0 ? (['enabled', 'disabled'] as const) : (['disabled', 'enabled'] as const);
    for (const mode of modes) {
      const c = await startCluster(mode === 'enabled');
      try {
        await claimsPerSecond(c, 20); // warm-up: JIT, SQLite pages, agent spawns
        await pingTimes(c, 50);
        runs[mode].claims.push(await claimsPerSecond(c, TASKS));
        const pings = await pingTimes(c, PINGS);
        runs[mode].ping_p50.push(median(pings));
        runs[mode].ping_p99.push(pct(pings, 99));
        order.push(mode[0] as string);
      } finally {
        await stopCluster(c);
      }
    }
    load.push(loadavg()[0] as number);
  }
  const summary = (mode: 'enabled' | 'disabled') => ({
    claims_per_s_median: Math.round(median(runs[mode].claims) * 10) / 10,
    claims_per_s_runs: runs[mode].claims.map((x) => Math.round(x * 10) / 10),
    peer_rtt_p50_ms_median: r3(median(runs[mode].ping_p50)),
    peer_rtt_p99_ms_median: r3(median(runs[mode].ping_p99)),
    peer_rtt_p50_ms_runs: runs[mode].ping_p50.map(r3),
  });
  const enabled = summary('enabled');
  const disabled = summary('disabled');
  // Both runs of a round are neighbours in time, so their ratio cancels a drift across the whole
  // run (later clusters in one process run slower, in both modes alike); the median of those ratios
  // is the figure to read against the target.
  const paired = (key: 'claims' | 'ping_p50') =>
    r3(median(runs.enabled[key].map((e, i) => e / (runs.disabled[key][i] as number))));
  return {
    method: `${ROUNDS} rounds, ABBA (${order.join('')}); each run a fresh 2-node cluster of in-process daemons (all modules) on one SQLite file; ${TASKS} tasks (agent = /bin/cat of an envelope, 8 slots) and ${PINGS} SWIM ping→ack round trips node 1 → node 2 over /v1/peer`,
    chaos_enabled_idle: enabled,
    chaos_disabled: disabled,
    ratio_claims_enabled_vs_disabled: r3(enabled.claims_per_s_median / disabled.claims_per_s_median),
    ratio_peer_rtt_p50_enabled_vs_disabled: r3(
      enabled.peer_rtt_p50_ms_median / disabled.peer_rtt_p50_ms_median,
    ),
    ratio_claims_paired_median: paired('claims'),
    ratio_peer_rtt_p50_paired_median: paired('ping_p50'),
    target: 'within 2 % (claims ratio ≥ 0.98, latency ratio ≤ 1.02)',
    seams_when_idle: {
      chaos_wrappers: Object.keys(MODULES.find((m) => m.name === 'chaos')?.wrap ?? {}),
      peer_transport: 'NetworkFaults.idle: the send path skips the fault decision (no verdict object)',
    },
    host: {
      cpus: availableParallelism(),
      node: process.version,
      loadavg_1m: load.map((l) => Math.round(l * 10) / 10),
    },
  };
}

export default async function benchChaosOverhead(): Promise<void> {
  const figures = await measureChaosOverhead();
  process.stdout.write(
    `${JSON.stringify({ bench: 'chaos-overhead', at: new Date().toISOString(), ...figures })}\n`,
  );
}
