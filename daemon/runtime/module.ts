import type { NodeInfo, Topic } from '../../shared/protocol.js';
import type { Clock } from '../agents/clock.js';
import type { SpawnFn } from '../agents/spawn.js';
import type { TopicSource } from '../api/client-socket.js';
import type { Operation } from '../api/operation.js';
import type { Config } from '../config/load.js';
import type { Logger } from '../log/logger.js';
import type { DaemonMetrics } from '../metrics/registry.js';
import type { HttpRoute } from '../server/router.js';
import type { WsEndpoint } from '../server/server.js';
import type { StoreFacets } from '../store/facets.js';
import type { MigrationStatus } from '../store/migrate/runner.js';
import type { EventBus } from './events.js';
import type { StoreLinkState } from './store-link.js';

/** How often the host bumps this node's heartbeat row (failover reads its age). */
export const HEARTBEAT_EVERY_MS = 5_000;

/** Lifecycle phases; readiness fails from `draining` on while liveness stays pass. */
export type DaemonPhase = 'starting' | 'running' | 'draining' | 'stopped';

/** Something the daemon starts after the store and stops before it (workers, health scheduler, cluster). */
export interface DaemonComponent {
  /** Name for logs. */
  name: string;
  /** Starts it; the store may still be unreachable. */
  start(): Promise<void>;
  /** Stops it within the shutdown budget. */
  stop(): Promise<void>;
  /** Optional: runs once readiness fails, before the listener closes (e.g. let load balancers notice). */
  drain?(budgetMs: number): Promise<void>;
}

/**
 * Services one module offers another, by name. A module declares what it provides with
 * declaration merging, so `provide` and `require` stay typed:
 *
 *   declare module '../runtime/module.js' {
 *     interface DaemonServices { 'cluster.view': ClusterView }
 *   }
 */
// biome-ignore lint/suspicious/noEmptyInterface: modules merge their services in.
export interface DaemonServices {}

/** A name of a service in DaemonServices. */
export type ServiceName = keyof DaemonServices;

/** Messages between daemons; the cluster module implements it over /v1/peer. */
export interface PeerTransport {
  /** Sends one frame to a peer (by node id); rejects when it cannot be delivered. */
  send(peer: string, frame: unknown): Promise<void>;
  /** Calls `handler` for every frame a peer sends; returns the unsubscribe function. */
  onFrame(handler: (peer: string, frame: unknown) => void): () => void;
}

/**
 * The seams where time, process spawning, the peer transport and the store are injected. The
 * composition root builds them (tests may pass their own) and applies every module's wrappers
 * before any module is installed, so a chaos fault sits between a module and the real thing.
 */
export interface InjectionPoints {
  /** Starts agent processes (argument arrays, own process group). */
  spawner: SpawnFn;
  /** Time source and timers. */
  clock: Clock;
  /** Passes a peer transport through the registered wrappers; the cluster module calls it on its own. */
  peerTransport(transport: PeerTransport): PeerTransport;
}

/** Wrappers a module applies at the injection points (chaos: latency, errors, drops). */
export interface SeamWrappers {
  /** Wraps the store facets every module gets (the config says whether the module is on). */
  store?(facets: StoreFacets, config: Config): StoreFacets;
  /** Wraps the agent spawner. */
  spawner?(spawn: SpawnFn): SpawnFn;
  /** Wraps the clock. */
  clock?(clock: Clock): Clock;
  /** Wraps the peer transport. */
  peerTransport?(transport: PeerTransport): PeerTransport;
}

/** The store link as modules see it: whether the store takes queries, and how to report it does not. */
export interface StoreLinkView {
  /** Reachable and migrated now. */
  readonly ready: boolean;
  /** The link's current state (latency, error, since). */
  readonly state: StoreLinkState;
  /** Every migration file with its state against the store's history (takes the migration lock). */
  migrationStatus(): Promise<MigrationStatus[]>;
  /** Marks the store down at once after a failed query, so readiness reflects it before the next ping. */
  reportFailure(error: unknown): void;
}

/** This node, as modules see it. */
export interface NodeView {
  /** Node id (config node_id). */
  readonly id: string;
  /** When the daemon started (epoch ms). */
  readonly startedAt: number;
  /** host:port it listens on (the bound port once started). */
  address(): string;
  /** Current lifecycle phase. */
  phase(): DaemonPhase;
  /** This node's summary for `node.info`, with the work figures the caller adds. */
  info(
    work: Pick<NodeInfo, 'running' | 'free_slots' | 'services'> & Partial<Pick<NodeInfo, 'slots'>>,
  ): NodeInfo;
}

/** Everything a module may touch while it installs; it sees nothing else of the daemon. */
export interface DaemonContext {
  /** Validated configuration. */
  readonly config: Config;
  /** The daemon's logger. */
  readonly logger: Logger;
  /** This node. */
  readonly node: NodeView;
  /** The store link (readiness of the store). */
  readonly link: StoreLinkView;
  /** The store, one facet per concern (already wrapped by the modules' seam wrappers). */
  readonly store: StoreFacets;
  /** The daemon's Prometheus metrics (owned by the runtime, served on /metrics). */
  readonly metrics: DaemonMetrics;
  /** The daemon-wide typed event bus. */
  readonly events: EventBus;
  /** Spawner, clock and peer transport (already wrapped). */
  readonly inject: InjectionPoints;
  /** Adds client operations (HTTP /api/v1 and /v1/client). */
  addOperation(...operations: Operation[]): void;
  /** Adds HTTP routes. */
  addRoute(...routes: HttpRoute[]): void;
  /** Serves a WebSocket path on the daemon's port (the cluster's /v1/peer); a path has one owner. */
  addWebSocket(endpoint: WsEndpoint): void;
  /** Serves a topic on /v1/client; a topic has one owner. */
  addTopic(topic: Topic, source: TopicSource): void;
  /** Adds a component, started after the store link in install order and stopped in reverse. */
  use(component: DaemonComponent): void;
  /** Offers a service to other modules; a name has one provider. */
  provide<K extends ServiceName>(name: K, service: DaemonServices[K]): void;
  /** A service another module provides; throws naming it when nobody does (yet). */
  require<K extends ServiceName>(name: K): DaemonServices[K];
  /** A service if some module provides it (call late, e.g. in start, for modules installed after). */
  optional<K extends ServiceName>(name: K): DaemonServices[K] | undefined;
}

/** A module of the daemon: one folder, listed once in the composition root. */
export interface DaemonModule {
  /** Name for logs and errors. */
  readonly name: string;
  /** Wrappers it puts at the injection points (applied before any module installs). */
  readonly wrap?: SeamWrappers;
  /** Registers its operations, routes, topics, components and services. */
  install(ctx: DaemonContext): void;
}
