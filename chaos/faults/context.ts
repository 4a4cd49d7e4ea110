import type { FaultProxy } from '../proxy/proxy.js';
import type { ProcessTarget } from './spec.js';

/** Handle on something a PostgreSQL fault holds (connections, a lock) until released. */
export interface PgHold {
  /** Backend pids of the held sessions, to check from outside that they are gone. */
  pids: number[];
  /** Ends the sessions; idempotent. */
  release(): Promise<void>;
}

/** The PostgreSQL operations chaos needs; implemented in daemon/store (all SQL lives there). */
export interface PgChaosFacet {
  /** Opens `n` sessions of its own and keeps each idle in a transaction. */
  holdConnections(n: number): Promise<PgHold>;
  /** Takes a lock that makes writes to `table` wait, in a session of its own. */
  lockTableWrites(table: string): Promise<PgHold>;
  /** pg_terminate_backend on every session whose application_name is `application`; returns how many. */
  terminateBackends(application: string): Promise<number>;
  /** How many of these backend pids still exist. */
  countBackends(pids: number[]): Promise<number>;
  /** Closes its own admin connection. */
  close(): Promise<void>;
}

/** What the hosting node lends its faults. */
export interface FaultContext {
  /** Id of the hosting node (names its PostgreSQL sessions `aidosd:<node_id>`). */
  nodeId: string;
  /** Its data dir (disk fill's default). */
  dataDir: string;
  /** Live pids matching a process target. */
  processes(target: ProcessTarget): Promise<number[]>;
  /** PostgreSQL operations, when the node runs on PostgreSQL. */
  pg?: PgChaosFacet;
  /** Fault proxies the node runs, by name. */
  proxies: ReadonlyMap<string, FaultProxy>;
  /** The peer transport's fault seam, when the node runs in a cluster. */
  peers?: PeerFaultSeam;
}

/** A rule the peer transport applies to gossip messages (the cluster's fault seam). */
export interface PeerFaultRule {
  /** Peers it applies to: node ids or `all`. */
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
  /** Rate limit in KiB/s. */
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
