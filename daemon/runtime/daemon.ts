import { hostname } from 'node:os';
import { CLIENT_SOCKET_PATH } from '../../shared/api/operations.js';
import { CLIENT_LIMITS, type NodeInfo, type Topic } from '../../shared/protocol.js';
import { type Clock, systemClock } from '../agents/clock.js';
import { execaSpawn, type SpawnFn, withParentDeathSignal } from '../agents/spawn.js';
import { serveClientSocket, type TopicSource } from '../api/client-socket.js';
import { operationRoutes } from '../api/http-routes.js';
import { noApiRoutes } from '../api/no-api-routes.js';
import type { Operation } from '../api/operation.js';
import type { Config } from '../config/load.js';
import { AidosError, errorMessage } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { DaemonMetrics } from '../metrics/registry.js';
import { metricsRoute } from '../metrics/routes.js';
import { DaemonServer } from '../server/server.js';
import { type Store, type StoreFacets, storeFacets } from '../store/facets.js';
import { migrationRunner, openStore } from '../store/open.js';
import { makeDirectory } from '../util/make-directory.js';
import { VERSION } from '../version.js';
import { EventBus } from './events.js';
import {
  type DaemonComponent,
  type DaemonContext,
  type DaemonModule,
  type DaemonPhase,
  HEARTBEAT_EVERY_MS,
  type InjectionPoints,
  type PeerTransport,
} from './module.js';
import { ServiceRegistry } from './services.js';
import { StoreLink } from './store-link.js';

export type { DaemonComponent, DaemonPhase };

/** What the composition root hands the host. */
export interface DaemonOptions {
  /** The modules, in install order (a module may require services of those before it). */
  modules: readonly DaemonModule[];
  /** Spawner to inject instead of execa (tests); modules' wrappers still apply. */
  spawner?: SpawnFn;
  /** Clock to inject instead of the wall clock (tests); modules' wrappers still apply. */
  clock?: Clock;
  /** Metrics registry to use (tests and benchmarks running several daemons in one process). */
  metrics?: DaemonMetrics;
}

/**
 * One aidosd process, the host of its modules: a store link, an HTTP + WebSocket server on one port,
 * metrics, the event bus and the service registry. It knows no module; the composition root
 * (daemon/compose.ts) lists them, and each installs itself through a DaemonContext.
 */
export class Daemon {
  phase: DaemonPhase = 'starting';
  readonly server: DaemonServer;
  readonly store: Store;
  readonly link: StoreLink;
  readonly startedAt = Date.now();
  /** The daemon's metrics, served on /metrics; modules increment their hooks. */
  readonly metrics: DaemonMetrics;
  /** The daemon-wide event bus. */
  readonly events: EventBus;
  port = 0;
  private readonly facets: StoreFacets;
  private readonly inject: InjectionPoints;
  private readonly services = new ServiceRegistry();
  /** Client operations (HTTP /api/v1 and /v1/client); modules add theirs at install. */
  private readonly operations: Operation[] = [];
  /** Topics clients may subscribe to on /v1/client. */
  private readonly topics: Partial<Record<Topic, TopicSource>> = {};
  private readonly components: DaemonComponent[] = [];
  private readonly webSocketPaths = new Set<string>([CLIENT_SOCKET_PATH]);
  private heartbeat: NodeJS.Timeout | undefined;
  private stopping: Promise<void> | undefined;

  constructor(
    readonly config: Config,
    readonly logger: Logger,
    options: DaemonOptions,
  ) {
    try {
      makeDirectory(config.data_dir);
    } catch (cause) {
      throw new AidosError('config', `data_dir: cannot create ${config.data_dir} (${errorMessage(cause)})`, {
        field: 'data_dir',
        cause,
      });
    }
    this.events = new EventBus(logger);
    this.metrics = options.metrics ?? new DaemonMetrics();
    this.store = openStore(config.store, config.node_id, (error) => {
      this.logger.warn({ err: errorMessage(error) }, 'idle store connection failed');
    });
    const wrappers = options.modules.flatMap((m) => (m.wrap ? [m.wrap] : []));
    this.facets = wrappers.reduce((f, w) => w.store?.(f, config) ?? f, storeFacets(this.store));
    const spawner = wrappers.reduce(
      (s, w) => w.spawner?.(s) ?? s,
      options.spawner ?? withParentDeathSignal(execaSpawn, logger),
    );
    const clock = wrappers.reduce((c, w) => w.clock?.(c) ?? c, options.clock ?? systemClock);
    this.inject = {
      spawner,
      clock,
      peerTransport: (transport: PeerTransport) =>
        wrappers.reduce((t, w) => w.peerTransport?.(t) ?? t, transport),
    };
    this.link = new StoreLink(
      this.store,
      migrationRunner(this.store),
      { migrate: config.store.migrate_on_start, pingEveryMs: 2_000, onUp: () => this.registerNode() },
      logger,
      this.events,
    );
    this.server = new DaemonServer({
      tokens: config.api.tokens,
      maxBodyBytes: config.api.max_body_bytes,
      logger,
      ...(config.tls.pem ? { tls: config.tls.pem } : {}),
    });
    // A node without the api role serves no client API beyond health, metrics and peers.
    if (config.roles.includes('api'))
      this.server.websocket({
        path: CLIENT_SOCKET_PATH,
        maxPayloadBytes: CLIENT_LIMITS.maxFrameBytes,
        requireToken: true,
        maxConnectionsPerAddress: CLIENT_LIMITS.connectionsPerAddress,
        onConnection: (ws, _req, authenticated, caller) =>
          serveClientSocket(
            ws,
            { authenticated, ...caller },
            {
              operations: this.operations,
              topics: this.topics,
              logger: this.logger,
            },
          ),
      });
    this.server.route(metricsRoute(this.metrics));
    try {
      for (const module of options.modules) module.install(this.contextFor(module));
    } catch (error) {
      // Nothing has started; only the store is open (a config error exits 78 right after this).
      void this.store.close().catch(() => {});
      throw error;
    }
  }

  /** The narrow view one module gets. */
  private contextFor(module: DaemonModule): DaemonContext {
    const daemon = this;
    return {
      config: this.config,
      logger: this.logger,
      node: {
        id: this.config.node_id,
        startedAt: this.startedAt,
        address: () => this.address,
        phase: () => this.phase,
        info: (work) => this.nodeInfo(work),
      },
      link: {
        get ready() {
          return daemon.link.ready;
        },
        get state() {
          return daemon.link.state;
        },
        migrationStatus: () => this.link.migrationStatus(),
        reportFailure: (error) => this.link.reportFailure(error),
      },
      store: this.facets,
      metrics: this.metrics,
      events: this.events,
      inject: this.inject,
      addOperation: (...operations) => {
        for (const op of operations) {
          if (this.operations.some((o) => o.name === op.name))
            throw new AidosError('internal', `module ${module.name}: operation ${op.name} is already added`);
          this.operations.push(op);
        }
      },
      addRoute: (...routes) => this.server.route(...routes),
      addWebSocket: (endpoint) => {
        if (this.webSocketPaths.has(endpoint.path))
          throw new AidosError(
            'internal',
            `module ${module.name}: WebSocket path ${endpoint.path} is already served`,
          );
        this.webSocketPaths.add(endpoint.path);
        this.server.websocket(endpoint);
      },
      addTopic: (topic, source) => {
        if (this.topics[topic])
          throw new AidosError('internal', `module ${module.name}: topic ${topic} already has a source`);
        this.topics[topic] = source;
      },
      use: (component) => this.use(component),
      provide: (name, service) => this.services.provide(module.name, name, service),
      require: (name) => this.services.require(module.name, name),
      optional: (name) => this.services.optional(name),
    };
  }

  /** Adds a component; call before start. */
  use(component: DaemonComponent): void {
    this.components.push(component);
  }

  get address(): string {
    return `${this.config.listen.host}:${this.port}`;
  }

  private poolerChecked = false;

  private async registerNode(): Promise<void> {
    const diagnostics = this.store.diagnostics;
    if (!this.poolerChecked && diagnostics.dialect === 'postgres') {
      this.poolerChecked = true;
      const warning = await diagnostics.poolerWarning().catch(() => undefined);
      if (warning) this.logger.warn({ store: this.store.description }, warning);
    }
    await this.facets.nodes.registerNode({
      id: this.config.node_id,
      address: this.address,
      roles: this.config.roles,
      version: VERSION,
      started_at: this.startedAt,
      meta: {
        pid: process.pid,
        hostname: hostname(),
        slots: this.config.agents.slots,
        labels: this.config.labels,
      },
    });
  }

  /** This node's summary for `node.info`. */
  nodeInfo(
    work: Pick<NodeInfo, 'running' | 'free_slots' | 'services'> & Partial<Pick<NodeInfo, 'slots'>>,
  ): NodeInfo {
    return {
      node_id: this.config.node_id,
      address: this.address,
      version: VERSION,
      roles: this.config.roles,
      store: this.store.dialect,
      store_ready: this.link.ready,
      phase: this.phase,
      started_at: this.startedAt,
      slots: this.config.roles.includes('worker') ? this.config.agents.slots : 0,
      ...work,
    };
  }

  /** Brings the store up (a migration inconsistency throws), listens, then starts the components. */
  async start(): Promise<void> {
    this.events.on('store.fatal', (error) => {
      this.logger.fatal({ err: error.message }, 'store schema no longer matches; stopping');
      void this.stop().then(() => process.exit(65));
    });
    this.server.route(
      ...(this.config.roles.includes('api')
        ? operationRoutes(this.operations)
        : noApiRoutes(this.config.node_id, this.config.roles)),
    );
    try {
      this.port = await this.server.listen(this.config.listen.host, this.config.listen.port);
    } catch (cause) {
      await this.store.close();
      throw new AidosError(
        'config',
        `listen: cannot bind ${this.config.listen.host}:${this.config.listen.port} (${errorMessage(cause)})`,
        {
          field: 'listen',
          cause,
        },
      );
    }
    try {
      await this.link.start();
    } catch (error) {
      await this.server.close(0);
      await this.store.close();
      throw error;
    }
    for (const component of this.components) await component.start();
    this.heartbeat = setInterval(() => {
      if (!this.link.ready) return;
      this.facets.nodes.heartbeatNode(this.config.node_id).catch((error) => this.link.reportFailure(error));
    }, HEARTBEAT_EVERY_MS);
    this.heartbeat.unref();
    this.phase = 'running';
    this.logger.info(
      {
        listen: this.address,
        store: this.store.description,
        data_dir: this.config.data_dir,
        version: VERSION,
      },
      'aidosd started',
    );
  }

  /** Graceful stop: readiness fails first, then the server drains, components stop, the store closes. */
  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    this.phase = 'draining';
    this.logger.info({ timeout_ms: this.config.shutdown_timeout }, 'shutting down');
    if (this.heartbeat) clearInterval(this.heartbeat);
    const budget = this.config.shutdown_timeout;
    const deadline = Date.now() + budget;
    // Every step gets what is left of the budget; one that overruns is logged and left behind, so
    // the store still closes and the process exits 0 rather than being cut off by the watchdog.
    // A step that overran is still awaited (to just past the deadline) before the store closes:
    // the worker's completions and re-queues must land first.
    const overran: Promise<unknown>[] = [];
    const step = async (name: string, work: () => Promise<unknown>) => {
      const left = Math.max(100, deadline - Date.now());
      let timer: NodeJS.Timeout | undefined;
      const overrun = new Promise<'overrun'>((resolve) => {
        timer = setTimeout(() => resolve('overrun'), left);
      });
      const done = work().catch((error) =>
        this.logger.error({ err: errorMessage(error), step: name }, 'stop step failed'),
      );
      const outcome = await Promise.race([done, overrun]);
      clearTimeout(timer);
      if (outcome === 'overrun') {
        overran.push(done);
        this.logger.warn({ step: name, waited_ms: left }, 'stop step overran its budget');
      }
    };
    for (const component of this.components)
      if (component.drain)
        await step(
          `${component.name} drain`,
          () => component.drain?.(Math.floor(budget / 2)) ?? Promise.resolve(),
        );
    // The listener closes beside the components, on a short bound: what clients do (a stalled
    // body, a connection held open) must not eat the time agents need to stop and be recorded.
    const server = this.server.close(Math.min(1_000, Math.max(100, Math.floor(budget / 10))));
    for (const component of [...this.components].reverse())
      await step(component.name, () => component.stop());
    await step('server', () => server);
    if (overran.length > 0) {
      const margin = Math.max(0, deadline + 500 - Date.now());
      await Promise.race([Promise.allSettled(overran), new Promise((r) => setTimeout(r, margin).unref())]);
    }
    if (this.link.ready)
      await step('node left', () => this.facets.nodes.heartbeatNode(this.config.node_id, 'left'));
    await step('store link', () => this.link.stop());
    await step('store', () => this.store.close());
    this.phase = 'stopped';
    this.logger.info('stopped');
  }
}
