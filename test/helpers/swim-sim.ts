import { type MemoryNetwork, MemoryNetwork as Network } from '../../daemon/cluster/memory-transport.js';
import { advertisedParams, PROFILES, type SwimParams } from '../../daemon/cluster/params.js';
import { type Rng, seededRng } from '../../daemon/cluster/random.js';
import { SimClock } from '../../daemon/cluster/sim-clock.js';
import { Swim } from '../../daemon/cluster/swim.js';
import type { MemberEvent, MemberState } from '../../daemon/cluster/types.js';

/** Members on an in-memory network with one simulated clock. */
export interface SimCluster {
  clock: SimClock;
  network: MemoryNetwork;
  rng: Rng;
  nodes: Map<string, Swim>;
  /** Every membership event with the observer and the time it happened. */
  events: { observer: string; at: number; event: MemberEvent }[];
  /** Adds and starts member `id` joining through `seeds` (ids). */
  add(id: string, seeds?: string[], incarnation?: number): Swim;
  /** State of `subject` as `observer` sees it (undefined: unknown). */
  stateOf(observer: string, subject: string): MemberState | undefined;
  /** Every running member other than `subject` sees it in `state`. */
  allSee(subject: string, state: MemberState): boolean;
  /** Stops member `id`; `reset` means its connections reset (a process kill), otherwise it is silent. */
  kill(id: string, reset?: boolean): void;
}

/** Address of member `id` on the in-memory network. */
export const addressOf = (id: string) => `${id}:7420`;

export function simCluster(
  options: {
    seed?: number;
    params?: Partial<SwimParams>;
    measureBytes?: boolean;
    /** Members configured `cluster.profile: wan` (the rest are lan); each advertises its profile. */
    wan?: string[];
  } = {},
): SimCluster {
  const clock = new SimClock();
  const rng = seededRng(options.seed ?? 1);
  const network = new Network(clock, rng, { measureBytes: options.measureBytes ?? false });
  const nodes = new Map<string, Swim>();
  const events: SimCluster['events'] = [];
  const cluster: SimCluster = {
    clock,
    network,
    rng,
    nodes,
    events,
    add(id, seeds = [], incarnation = 0) {
      const transport = network.endpoint(addressOf(id));
      const profile = options.wan?.includes(id) ? 'wan' : 'lan';
      const params = { ...PROFILES[profile], ...options.params };
      const meta = { n: id, profile };
      const swim = new Swim({
        id,
        meta,
        params,
        paramsOf: advertisedParams,
        clock,
        rng,
        transport,
        incarnation,
      });
      swim.on((event) => events.push({ observer: id, at: clock.now(), event }));
      nodes.set(id, swim);
      swim.start(seeds.map(addressOf));
      return swim;
    },
    stateOf(observer, subject) {
      return nodes.get(observer)?.members.get(subject)?.state;
    },
    allSee(subject, state) {
      for (const [id] of nodes) if (id !== subject && cluster.stateOf(id, subject) !== state) return false;
      return true;
    },
    kill(id, reset = true) {
      nodes.get(id)?.stop();
      nodes.delete(id);
      network.remove(addressOf(id), reset);
    },
  };
  return cluster;
}

/** Starts `n` members n0 … n(n−1), each joining through n0, and runs until all see all alive. */
export function convergedCluster(n: number, options: Parameters<typeof simCluster>[0] = {}): SimCluster {
  const cluster = simCluster(options);
  for (let i = 0; i < n; i++) cluster.add(`n${i}`, i === 0 ? [] : ['n0']);
  const took = cluster.clock.until(
    () => {
      for (const [, swim] of cluster.nodes) if (swim.members.others('alive').length !== n - 1) return false;
      return true;
    },
    120_000,
    100,
  );
  if (took === null) throw new Error(`${n} members did not converge in 120 simulated seconds`);
  return cluster;
}
