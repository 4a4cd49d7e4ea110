import type { PgChaosFacet, PgHold, PgReplicaControl } from '../../daemon/store/facets.js';
import type { FaultProxy } from '../proxy/proxy.js';
import type { ProcessTarget } from './spec.js';
import type { StoreFaultSeam } from './store-seam.js';

export type { PgChaosFacet, PgHold, PgReplicaControl };

/** What the hosting node lends its faults. */
export interface FaultContext {
  /** Id of the hosting node (names its PostgreSQL sessions `aidosd:<node_id>`). */
  nodeId: string;
  /** Host its API listens on (a daemon-pause reverter listens there too; default 127.0.0.1). */
  listenHost?: string;
  /** Its data dir (disk fill's default). */
  dataDir: string;
  /** Live pids matching a process target. */
  processes(target: ProcessTarget): Promise<number[]>;
  /** PostgreSQL operations, when the node runs on PostgreSQL. */
  pg?: PgChaosFacet;
  /** The read replica the pg-replica fault acts on, when one is configured. */
  replica?: ReplicaTarget;
  /** Fault proxies the node runs, by name. */
  proxies: ReadonlyMap<string, FaultProxy>;
  /** The peer transport's fault seam, when the node runs in a cluster. */
  peers?: PeerFaultSeam;
  /** The store decorator's fault seam, when chaos wrapped the store (chaos.enabled). */
  store?: StoreFaultSeam;
}

/** A rule the peer transport applies to gossip messages (the cluster's fault seam). */
export interface PeerFaultRule {
  /** Peers it applies to: node ids or addresses of known members, or `all`. */
  peers: 'all' | string[];
  /** Messages to them, from them, or both. */
  direction: 'in' | 'out' | 'both';
  /** Added delay in ms. */
  delay_ms: number;
  /** ± jitter in ms. */
  jitter_ms: number;
  /** Share dropped, 0..1. */
  loss: number;
  /** Drop everything. */
  partition: boolean;
  /** Rate limit in KiB/s, per peer (a token bucket each way). */
  bandwidth_kbps?: number;
}

/** The injection point the peer transport offers chaos; rules stack and are removed by id. */
export interface PeerFaultSeam {
  /** Applies a rule; returns its id. */
  add(rule: PeerFaultRule): string;
  /** Removes it; idempotent. */
  remove(id: string): void;
  /** Ids of the rules in force. */
  active(): string[];
}

/** A read replica as the pg-replica fault reaches it. */
export interface ReplicaTarget {
  /** Its replay, through SQL on the replica. */
  control: PgReplicaControl;
  /** Command (argument array) stopping its server (`chaos.replica.stop`), when configured. */
  stop?: string[];
  /** Command starting it again (`chaos.replica.start`). */
  start?: string[];
}
