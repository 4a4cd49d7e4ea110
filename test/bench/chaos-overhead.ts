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
 * - daemon CPU per claim: this process's CPU time (both daemons and the bench's HTTP client; the
 *   agents are child processes and do not count) over the claims window, per task: steadier than
 *   a rate on a shared machine, since a run that waits for the CPU is not charged for the wait.
 * Each round's two runs are neighbours in time; their ratios get a median and a seeded bootstrap
 * 95 % interval. On top, a decomposition that hardly depends on the load: the seam crossings per
 * claim (store calls through the decorator, peer frames past the transport's idle check), counted
 * by the bench's probe module around the product's wrappers, times each idle seam's cost per call
 * from a microbenchmark (wrapped vs bare, min of several repetitions), as a share of the daemon CPU
 * per claim (`seam_cost_share`, target ≤ 2 %).
 * Prints one JSON line: medians per mode, the enabled/disabled ratios (target within 2 %), the
 * decomposition, and the load average, since the machine may be shared.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import pino from 'pino';
import YAML from 'yaml';
import { StoreFaults } from '../../chaos/faults/store-seam.js';
import { NetworkFaults } from '../../daemon/cluster/faults.js';
import { seededRng } from '../../daemon/cluster/random.js';
import { composeDaemon, MODULES } from '../../daemon/compose.js';
import { loadConfig } from '../../daemon/config/load.js';
import type { Daemon } from '../../daemon/runtime/daemon.js';
import type { DaemonModule, PeerTransport } from '../../daemon/runtime/module.js';
import type { StoreFacets } from '../../daemon/store/facets.js';
import type { Task } from '../../shared/tasks.js';
import { freePort } from '../helpers/postgres-server.js';
import { waitFor } from '../helpers/wait.js';

const ROUNDS = Number(process.env.BENCH_OVERHEAD_ROUNDS ?? 6);
const TASKS = Number(process.env.BENCH_OVERHEAD_TASKS ?? 200);
const PINGS = Number(process.env.BENCH_OVERHEAD_PINGS ?? 400);
// The idle seams' microbenchmark: calls per repetition, repetitions (the minimum is kept).
const SEAM_CALLS = Number(process.env.BENCH_OVERHEAD_SEAM_CALLS ?? 200_000);
const SEAM_REPS = Number(process.env.BENCH_OVERHEAD_SEAM_REPS ?? 9);
const BOOTSTRAP = 2_000;
const SEED = 0x5eed;
// The facets the store decorator wraps (chaos/faults/store-seam.ts STORE_FAULT_FACETS).
const SEAM_FACETS = ['tasks', 'nodes', 'health', 'pool'] as const;
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

/** Median of the ratios and a percentile-bootstrap 95 % interval of that median. */
function pairedRatios(enabled: number[], disabled: number[]) {
  const ratios = enabled.map((e, i) => e / (disabled[i] as number));
  const rng = seededRng(SEED);
  const medians = Array.from({ length: BOOTSTRAP }, () =>
    median(Array.from({ length: ratios.length }, () => ratios[Math.floor(rng() * ratios.length)] as number)),
  );
  return {
    ratios: ratios.map(r3),
    median: r3(median(ratios)),
    ci95: [r3(pct(medians, 2.5)), r3(pct(medians, 97.5))],
  };
}

/** Calls and frames through the seams, counted by the probe modules of both nodes. */
interface Crossings {
  /** Calls to the async methods of the four facets the store decorator wraps. */
  store: number;
  /** Peer frames sent; each passes the idle check twice (sender's out, receiver's in). */
  frames: number;
}

/** What the bench sees of a daemon: its event bus and its peer transport, wrapped by nothing. */
interface Probe {
  transport?: PeerTransport;
  succeeded: (task: Task) => void;
}

/**
 * Installed last on both nodes, in both modes alike (so the counting costs the same on either side
 * of a ratio): a counting layer outside the product's wrappers, on the store facets the decorator
 * wraps and on the peer transport's send. Chaos finds its store seam by the object it returned, so
 * behind this layer it offers no store-latency fault; none is injected here.
 */
function probeModule(probe: Probe, counts: Crossings): DaemonModule {
  return {
    name: 'bench-probe',
    wrap: {
      store: (facets) => countingFacets(facets, counts),
      peerTransport: (t) => {
        const counted: PeerTransport = {
          send: (peer, frame) => {
            counts.frames++;
            return t.send(peer, frame);
          },
          onFrame: (handler) => t.onFrame(handler),
        };
        probe.transport = counted;
        return counted;
      },
    },
    install(ctx) {
      ctx.events.on('task.changed', (task) => {
        if (task.state === 'succeeded') probe.succeeded(task);
      });
    },
  };
}

/** The facets with each call to a method of the four seam facets that returns a promise counted. */
function countingFacets(facets: StoreFacets, counts: Crossings): StoreFacets {
  const wrapped = { ...facets };
  for (const facet of SEAM_FACETS) {
    const target = facets[facet] as object;
    const object: Record<string, unknown> = {};
    for (const name of methodNames(target)) {
      const fn = (target as Record<string, (...args: unknown[]) => unknown>)[name] as (
        ...args: unknown[]
      ) => unknown;
      object[name] = (...args: unknown[]) => {
        const result = fn.apply(target, args);
        if (result instanceof Promise) counts.store++;
        return result;
      };
    }
    Object.assign(wrapped, { [facet]: object });
  }
  return wrapped;
}

/** Method names along an object's prototype chain (the decorator's own objects are plain ones). */
function methodNames(target: object): Set<string> {
  const names = new Set<string>();
  for (let o: object | null = target; o && o !== Object.prototype; o = Object.getPrototypeOf(o))
    for (const name of Object.getOwnPropertyNames(o)) {
      const d = Object.getOwnPropertyDescriptor(o, name);
      if (d && typeof d.value === 'function' && name !== 'constructor') names.add(name);
    }
  return names;
}

interface Cluster {
  nodes: Daemon[];
  probe: Probe;
  counts: Crossings;
  url: string;
  dir: string;
}

async function startCluster(enabled: boolean): Promise<Cluster> {
  const dir = await mkdtemp(join(tmpdir(), 'aidos-bench-overhead-'));
  const ports = [await freePort(), await freePort()];
  const probe: Probe = { succeeded: () => {} };
  const counts: Crossings = { store: 0, frames: 0 };
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
    // Node 2's probe only counts: its transport and events are not what the bench drives.
    const modules = [...MODULES, probeModule(i === 0 ? probe : { succeeded: () => {} }, counts)];
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
  return { nodes, probe, counts, url, dir };
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
  // Cleared: a pending timer would keep this run's closure, and with it the cluster, for 2 minutes.
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      all,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`only ${done}/${n} tasks succeeded`)), 120_000);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    c.probe.succeeded = () => {};
  }
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
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([acked, new Promise((r) => (timer = setTimeout(r, 2_000)))]);
      clearTimeout(timer);
      times.push(performance.now() - t);
    }
  } finally {
    off();
  }
  return times;
}

/** Fastest of SEAM_REPS repetitions of `run` (SEAM_CALLS calls), for each variant, interleaved (ns per call). */
async function fastest(
  variants: Record<string, () => Promise<void> | void>,
): Promise<Record<string, number>> {
  const best: Record<string, number> = {};
  for (let rep = 0; rep < SEAM_REPS + 1; rep++)
    for (const [name, run] of Object.entries(variants)) {
      const t = performance.now();
      await run();
      const ns = ((performance.now() - t) * 1e6) / SEAM_CALLS;
      // The first repetition only warms the JIT up.
      if (rep > 0) best[name] = Math.min(best[name] ?? Number.POSITIVE_INFINITY, ns);
    }
  return best;
}

/**
 * Per-call cost of each idle seam: the store decorator (StoreFaults.wrap, no rule) around a trivial
 * async facet method against the bare method, and the peer transport's send with NetworkFaults'
 * idle check in front against the bare send, both awaited as the daemon awaits them.
 */
async function seamCosts() {
  const bare = {
    tasks: { getTask: async (id: string) => id.length },
    nodes: {},
    health: {},
    pool: {},
  } as unknown as StoreFacets;
  const wrapped = new StoreFaults().wrap(bare);
  const store = await fastest({
    bare: async () => {
      for (let i = 0; i < SEAM_CALLS; i++) await bare.tasks.getTask('x');
    },
    wrapped: async () => {
      for (let i = 0; i < SEAM_CALLS; i++) await wrapped.tasks.getTask('x');
    },
  });
  // The transport's send as ws-transport.ts has it: the idle check, then the socket (a sink here).
  const faults = new NetworkFaults();
  let sink = 0;
  const deliver = (address: string, frame: unknown) => {
    sink += address.length + (frame ? 1 : 0);
  };
  const bareSend = async (address: string, frame: unknown) => deliver(address, frame);
  const seamSend = async (address: string, frame: unknown) => {
    if (faults.idle) {
      deliver(address, frame);
      return;
    }
    if (!faults.decide('127.0.0.1:1', address).drop) deliver(address, frame);
  };
  const frame = { type: 'ping', seq: 1 };
  const peer = await fastest({
    bare: async () => {
      for (let i = 0; i < SEAM_CALLS; i++) await bareSend('127.0.0.1:2', frame);
    },
    wrapped: async () => {
      for (let i = 0; i < SEAM_CALLS; i++) await seamSend('127.0.0.1:2', frame);
    },
  });
  if (sink < 0) throw new Error('unreachable: keeps the sink live');
  const cost = (m: Record<string, number>) => ({
    bare_ns: r3(m.bare as number),
    wrapped_ns: r3(m.wrapped as number),
    // A difference below the timer's resolution can come out negative; it costs nothing then.
    seam_ns: r3(Math.max(0, (m.wrapped as number) - (m.bare as number))),
  });
  return { store: cost(store), peer: cost(peer) };
}

type Mode = 'enabled' | 'disabled';
interface Runs {
  claims: number[];
  ping_p50: number[];
  ping_p99: number[];
  cpu_ms_per_claim: number[];
  store_calls_per_claim: number[];
  peer_frames_per_claim: number[];
}

/** Runs the ABBA rounds and returns the figures (also part of `npm run bench -- chaos`). */
export async function measureChaosOverhead(): Promise<Record<string, unknown>> {
  const fresh = (): Runs => ({
    claims: [],
    ping_p50: [],
    ping_p99: [],
    cpu_ms_per_claim: [],
    store_calls_per_claim: [],
    peer_frames_per_claim: [],
  });
  const runs: Record<Mode, Runs> = { enabled: fresh(), disabled: fresh() };
  const load = [loadavg()[0] as number];
  const order: string[] = [];
  // What each stopped cluster left in this process: a figure that grows means a leak, and a drift.
  const after = { heap_mb: [] as number[], rss_mb: [] as number[], handles: [] as number[] };
  const gc = (globalThis as { gc?: () => void }).gc;
  for (let round = 0; round < ROUNDS; round++) {
    // ABBA: a drift of the machine's load over the run weighs on both modes alike.
    const modes = round % 2 === 0 ? (['enabled', 'disabled'] as const) : (['disabled', 'enabled'] as const);
    for (const mode of modes) {
      const c = await startCluster(mode === 'enabled');
      try {
        await claimsPerSecond(c, 20); // warm-up: JIT, SQLite pages, agent spawns
        await pingTimes(c, 50);
        const counted = { ...c.counts };
        const cpu = process.cpuUsage();
        runs[mode].claims.push(await claimsPerSecond(c, TASKS));
        const used = process.cpuUsage(cpu);
        runs[mode].cpu_ms_per_claim.push((used.user + used.system) / 1000 / TASKS);
        runs[mode].store_calls_per_claim.push((c.counts.store - counted.store) / TASKS);
        runs[mode].peer_frames_per_claim.push((c.counts.frames - counted.frames) / TASKS);
        const pings = await pingTimes(c, PINGS);
        runs[mode].ping_p50.push(median(pings));
        runs[mode].ping_p99.push(pct(pings, 99));
        order.push(mode[0] as string);
      } finally {
        await stopCluster(c);
      }
      gc?.();
      after.heap_mb.push(Math.round(process.memoryUsage().heapUsed / 1e5) / 10);
      after.rss_mb.push(Math.round(process.memoryUsage.rss() / 1e6));
      after.handles.push(process.getActiveResourcesInfo().length);
    }
    load.push(loadavg()[0] as number);
  }
  const costs = await seamCosts();
  const summary = (mode: Mode) => ({
    claims_per_s_median: Math.round(median(runs[mode].claims) * 10) / 10,
    claims_per_s_runs: runs[mode].claims.map((x) => Math.round(x * 10) / 10),
    peer_rtt_p50_ms_median: r3(median(runs[mode].ping_p50)),
    peer_rtt_p99_ms_median: r3(median(runs[mode].ping_p99)),
    peer_rtt_p50_ms_runs: runs[mode].ping_p50.map(r3),
    cpu_ms_per_claim_median: r3(median(runs[mode].cpu_ms_per_claim)),
    cpu_ms_per_claim_runs: runs[mode].cpu_ms_per_claim.map(r3),
    store_calls_per_claim_median: r3(median(runs[mode].store_calls_per_claim)),
    peer_frames_per_claim_median: r3(median(runs[mode].peer_frames_per_claim)),
  });
  const enabled = summary('enabled');
  const disabled = summary('disabled');
  // Both runs of a round are neighbours in time, so their ratio cancels a drift across the whole
  // run and most of the machine's changing load; the median of those ratios is the figure to read
  // against the target, its interval says whether the runs can tell 2 % at all.
  const paired = (key: 'claims' | 'ping_p50' | 'cpu_ms_per_claim') =>
    pairedRatios(runs.enabled[key], runs.disabled[key]);
  // The decomposition, on the enabled-idle runs: what the seams' calls cost against what a claim
  // costs. The store decorator is what chaos enabled adds; the peer idle check is on the path in
  // both modes, so its share bounds what the seams cost there, not a difference between modes.
  const cpuNs = enabled.cpu_ms_per_claim_median * 1e6;
  const storeNs = enabled.store_calls_per_claim_median * costs.store.seam_ns;
  const peerChecks = 2 * enabled.peer_frames_per_claim_median;
  const peerNs = peerChecks * costs.peer.seam_ns;
  const share = (ns: number, of: number) => Math.round((ns / of) * 100 * 10_000) / 10_000;
  const rttNs = enabled.peer_rtt_p50_ms_median * 1e6;
  return {
    method: `${ROUNDS} rounds, ABBA (${order.join('')}); each run a fresh 2-node cluster of in-process daemons (all modules) on one SQLite file; ${TASKS} tasks (agent = /bin/cat of an envelope, 8 slots) and ${PINGS} SWIM ping→ack round trips node 1 → node 2 over /v1/peer; CPU = process.cpuUsage() of this process over the claims window; idle seams ${SEAM_CALLS} awaited calls × ${SEAM_REPS} repetitions (min)`,
    chaos_enabled_idle: enabled,
    chaos_disabled: disabled,
    ratio_claims_enabled_vs_disabled: r3(enabled.claims_per_s_median / disabled.claims_per_s_median),
    ratio_peer_rtt_p50_enabled_vs_disabled: r3(
      enabled.peer_rtt_p50_ms_median / disabled.peer_rtt_p50_ms_median,
    ),
    ratio_claims_paired_median: paired('claims').median,
    ratio_peer_rtt_p50_paired_median: paired('ping_p50').median,
    paired: {
      bootstrap: `${BOOTSTRAP} resamples of the rounds' ratios, seed ${SEED}, percentile interval of the median`,
      claims_per_s: paired('claims'),
      cpu_ms_per_claim: paired('cpu_ms_per_claim'),
      peer_rtt_p50: paired('ping_p50'),
    },
    target: 'within 2 % (claims ratio ≥ 0.98, latency ratio ≤ 1.02)',
    seam_decomposition: {
      store_decorator_ns_per_call: costs.store,
      peer_idle_check_ns_per_call: costs.peer,
      store_calls_per_claim: enabled.store_calls_per_claim_median,
      peer_idle_checks_per_claim: r3(peerChecks),
      daemon_cpu_ns_per_claim: Math.round(cpuNs),
      store_ns_per_claim: r3(storeNs),
      peer_ns_per_claim: r3(peerNs),
      store_share_pct: share(storeNs, cpuNs),
      peer_share_pct: share(peerNs, cpuNs),
      // A ping and its ack: two frames, each checked on the way out and on the way in.
      peer_rtt_share_pct: share(4 * costs.peer.seam_ns, rttNs),
    },
    // Percent of the daemon CPU per claim spent in the idle seams (store decorator + peer check).
    seam_cost_share: share(storeNs + peerNs, cpuNs),
    seam_cost_target: 'seam_cost_share ≤ 2 (percent of the daemon CPU per claim)',
    seams_when_idle: {
      chaos_wrappers: Object.keys(MODULES.find((m) => m.name === 'chaos')?.wrap ?? {}),
      store:
        'chaos enabled: StoreFaults wraps the tasks, nodes, health and pool facets (one flag read per call while no rule is in force); disabled: the facets are the real ones',
      peer_transport: 'NetworkFaults.idle: the send path skips the fault decision (no verdict object)',
    },
    host: {
      cpus: availableParallelism(),
      node: process.version,
      loadavg_1m: load.map((l) => Math.round(l * 10) / 10),
      heap_mb_after_each_run: after.heap_mb,
      // Each agent is forked from this process: a growing RSS would make every later spawn dearer.
      rss_mb_after_each_run: after.rss_mb,
      active_handles_after_each_run: after.handles,
      active_resources_at_end: process.getActiveResourcesInfo(),
      gc_between_runs: gc !== undefined,
    },
  };
}

export default async function benchChaosOverhead(): Promise<void> {
  const figures = await measureChaosOverhead();
  process.stdout.write(
    `${JSON.stringify({ bench: 'chaos-overhead', at: new Date().toISOString(), ...figures })}\n`,
  );
}
