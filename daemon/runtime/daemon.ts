import { hostname } from 'node:os';
import { CLIENT_LIMITS, type NodeInfo, type Topic } from '../../shared/protocol.js';
import { serveClientSocket, type TopicSource } from '../api/client-socket.js';
import { operationRoutes } from '../api/http-routes.js';
import type { Operation } from '../api/operation.js';
import type { Config } from '../config/load.js';
import { AidosError, errorMessage } from '../errors.js';
import { installHealth } from '../health/install.js';
import type { HealthService } from '../health/service.js';
import type { Logger } from '../log/logger.js';
import { DaemonServer } from '../server/server.js';
import { migrationRunner, openStore } from '../store/open.js';
import type { Store } from '../store/types.js';
import { makeDirectory } from '../util/make-directory.js';
import { VERSION } from '../version.js';
import { StoreLink } from './store-link.js';

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
}

/**
 * One aidosd process: a store link, an HTTP + WebSocket server on one port, and the components
 * (task workers, health, cluster) that later issues plug in.
 */
export class Daemon {
  phase: DaemonPhase = 'starting';
  readonly server: DaemonServer;
  readonly store: Store;
  readonly link: StoreLink;
  readonly startedAt = Date.now();
  /** Health checks, endpoints and metrics; other modules plug their sources in here. */
  readonly health: HealthService;
  port = 0;
  /** Client operations (HTTP /api/v1 and /v1/client); installers add theirs before start. */
  readonly operations: Operation[] = [];
  /** Topics clients may subscribe to on /v1/client. */
  readonly topics: Partial<Record<Topic, TopicSource>> = {};
  private readonly components: DaemonComponent[] = [];
  private heartbeat: NodeJS.Timeout | undefined;
  private stopping: Promise<void> | undefined;

  constructor(
    readonly config: Config,
    readonly logger: Logger,
  ) {
    try {
      makeDirectory(config.data_dir);
    } catch (cause) {
      throw new AidosError('config', `data_dir: cannot create ${config.data_dir} (${errorMessage(cause)})`, {
        field: 'data_dir',
        cause,
      });
    }
    this.store = openStore(config.store, config.node_id, (error) => {
      this.logger.warn({ err: errorMessage(error) }, 'idle store connection failed');
    });
    this.link = new StoreLink(
      this.store,
      migrationRunner(this.store),
      { migrate: config.store.migrate_on_start, pingEveryMs: 2_000, onUp: () => this.registerNode() },
      logger,
    );
    this.server = new DaemonServer({
      tokens: config.api.tokens,
      maxBodyBytes: config.api.max_body_bytes,
      logger,
    });
    this.server.websocket({
      path: '/v1/client',
      maxPayloadBytes: CLIENT_LIMITS.maxFrameBytes,
      requireToken: true,
      maxConnectionsPerAddress: CLIENT_LIMITS.connectionsPerAddress,
      onConnection: (ws, _req, authenticated) =>
        serveClientSocket(ws, authenticated, {
          operations: this.operations,
          topics: this.topics,
          logger: this.logger,
        }),
    });
    this.health = installHealth(this);
  }

  /** Adds a component; call before start. */
  use(component: DaemonComponent): void {
    this.components.push(component);
  }

  get address(): string {
    return `${this.config.listen.host}:${this.port}`;
  }

  private async registerNode(): Promise<void> {
    await this.store.registerNode({
      id: this.config.node_id,
      address: this.address,
      roles: this.config.roles,
      version: VERSION,
      started_at: this.startedAt,
      meta: { pid: process.pid, hostname: hostname(), slots: this.config.agents.slots },
    });
  }

  /** This node's summary for `node.info`. */
  nodeInfo(work: Pick<NodeInfo, 'running' | 'free_slots' | 'services'>): NodeInfo {
    return {
      node_id: this.config.node_id,
      address: this.address,
      version: VERSION,
      roles: this.config.roles,
      store: this.store.dialect,
      store_ready: this.link.ready,
      phase: this.phase,
      started_at: this.startedAt,
      slots: this.config.agents.slots,
      ...work,
    };
  }

  /** Brings the store up (a migration inconsistency throws), listens, then starts the components. */
  async start(): Promise<void> {
    this.link.on('fatal', (error: AidosError) => {
      this.logger.fatal({ err: error.message }, 'store schema no longer matches; stopping');
      void this.stop().then(() => process.exit(65));
    });
    this.server.route(...operationRoutes(this.operations));
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
      this.store.heartbeatNode(this.config.node_id).catch((error) => this.link.reportFailure(error));
    }, 5_000);
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
    await step('health drain', () => this.health.drain(Math.floor(budget / 2)));
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
    if (this.link.ready) await step('node left', () => this.store.heartbeatNode(this.config.node_id, 'left'));
    await step('store link', () => this.link.stop());
    await step('store', () => this.store.close());
    this.phase = 'stopped';
    this.logger.info('stopped');
  }
}
