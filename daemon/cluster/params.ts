/** Timing knobs of the protocol; `lan` and `wan` are the presets (`cluster.profile`). */
export interface SwimParams {
  /** One member probed per period. */
  probeIntervalMs: number;
  /** Wait for a direct ack before asking others (ping-req). */
  probeTimeoutMs: number;
  /** Members asked to probe indirectly (k). */
  indirectChecks: number;
  /** Memberlist's suspicion multiplier (its min = mult × log10 N × interval); confirmations wanted = mult − 2, as there. */
  suspicionMult: number;
  /** Our confirmed minimum suspicion = this × log10 N × interval (time for a live suspect to refute). */
  suspicionMinMult: number;
  /** An unconfirmed suspicion waits this many times the confirmed minimum. */
  suspicionMaxMult: number;
  /** Retransmits of one update = multiplier × ceil(log10(N + 1)). */
  retransmitMult: number;
  /** Pending updates are also sent to `gossipNodes` random members this often. */
  gossipIntervalMs: number;
  /** Members per gossip round. */
  gossipNodes: number;
  /** Full state exchange with one random member this often (stretched above 32 members). */
  pushPullIntervalMs: number;
  /** Dead and left members stay listed this long, then are reaped. */
  reapAfterMs: number;
  /** Highest local health score (Lifeguard): timeouts stretch up to (max) times. */
  awarenessMax: number;
  /** Most updates piggybacked on one message. */
  maxPiggyback: number;
}

/**
 * Near memberlist's DefaultLANConfig (probe 1 s, timeout 500 ms, ×4, ×6) except where the detection
 * target (p99 ≤ 3 s at N = 50) needs otherwise: 4 indirect probes instead of 3 (so two confirming
 * nacks arrive despite 5% loss) and a confirmed minimum of 0.5 × log10 N periods (docs/cluster.md).
 */
export const LAN: SwimParams = {
  probeIntervalMs: 1_000,
  probeTimeoutMs: 500,
  indirectChecks: 4,
  suspicionMult: 4,
  suspicionMinMult: 0.5,
  suspicionMaxMult: 6,
  retransmitMult: 4,
  gossipIntervalMs: 200,
  gossipNodes: 3,
  pushPullIntervalMs: 30_000,
  reapAfterMs: 10 * 60_000,
  awarenessMax: 8,
  maxPiggyback: 12,
};

/** Near memberlist's DefaultWANConfig (probe 5 s, timeout 3 s, suspicion ×6, push-pull 60 s). */
export const WAN: SwimParams = {
  ...LAN,
  probeIntervalMs: 5_000,
  probeTimeoutMs: 3_000,
  suspicionMult: 6,
  suspicionMinMult: 1,
  gossipIntervalMs: 500,
  gossipNodes: 4,
  pushPullIntervalMs: 60_000,
};

/** The presets by `cluster.profile` name. */
export const PROFILES = { lan: LAN, wan: WAN } as const;

/** log10 of the cluster size, never below 1 (memberlist's scale). */
export function sizeScale(members: number): number {
  return Math.max(1, Math.log10(Math.max(1, members)));
}

/** How long a suspicion lasts, and how many independent confirmations drive it to its minimum. */
export interface SuspicionBounds {
  /** Reached with `confirmations` independent confirmations. */
  minMs: number;
  /** An unconfirmed suspicion. */
  maxMs: number;
  /** Confirmations wanted (0: the suspicion simply lasts maxMs). */
  confirmations: number;
}

/**
 * Ours: min = minMult × log10 N × interval (the suspect is told at once and again halfway, so it has
 * two chances to refute), max = maxMult × min, k = mult − 2 confirmations as in memberlist (capped by
 * the members who could confirm). Confirmations are the indirect helpers that themselves failed to
 * reach the member and other members whose own probe failed, so a confirmed suspicion carries k + 1
 * independent failed probes; a lone accuser (maybe itself the slow one) waits the full max.
 */
export function suspicionBounds(params: SwimParams, members: number): SuspicionBounds {
  const minMs = params.suspicionMinMult * sizeScale(members) * params.probeIntervalMs;
  const confirmations = Math.max(0, Math.min(params.suspicionMult - 2, members - 2));
  return { minMs, maxMs: params.suspicionMaxMult * minMs, confirmations };
}

/** memberlist's arithmetic, for comparison in the benchmark and docs. */
export function memberlistSuspicionBounds(params: SwimParams, members: number): SuspicionBounds {
  const minMs = params.suspicionMult * sizeScale(members) * params.probeIntervalMs;
  const k = params.suspicionMult - 2;
  return { minMs, maxMs: params.suspicionMaxMult * minMs, confirmations: members - 2 < k ? 0 : k };
}

/** memberlist's pushPullScale: above 32 members the interval grows with log2 N, so full syncs stay cheap. */
export function pushPullInterval(params: SwimParams, members: number): number {
  if (members <= 32) return params.pushPullIntervalMs;
  return params.pushPullIntervalMs * (Math.ceil(Math.log2(members) - Math.log2(32)) + 1);
}

/** Times one update is piggybacked before it is dropped from the queue. */
export function retransmitLimit(params: SwimParams, members: number): number {
  return params.retransmitMult * Math.ceil(Math.log10(members + 1));
}

/** The preset a member advertises (`profile` in its metadata); undefined when it names none we know. */
export function advertisedParams(meta: unknown): SwimParams | undefined {
  const profile = (meta as { profile?: unknown } | null)?.profile;
  return profile === 'lan' || profile === 'wan' ? PROFILES[profile] : undefined;
}

/**
 * Timings toward one member: each timing knob (probe interval and timeout, the suspicion
 * multipliers) is the larger of this node's and the member's, the rest stay this node's. With the
 * presets: `wan` when either side is `wan`, so a member in another region is probed and suspected
 * with the WAN timings by a LAN cluster. Returns `own` itself when it is already the slower.
 */
export function linkParams(own: SwimParams, peer: SwimParams | undefined): SwimParams {
  if (!peer) return own;
  const keys = [
    'probeIntervalMs',
    'probeTimeoutMs',
    'suspicionMult',
    'suspicionMinMult',
    'suspicionMaxMult',
  ] as const;
  if (keys.every((key) => own[key] >= peer[key])) return own;
  const link = { ...own };
  for (const key of keys) link[key] = Math.max(own[key], peer[key]);
  return link;
}
