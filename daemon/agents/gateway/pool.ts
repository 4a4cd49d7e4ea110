import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import type { AgentServiceConfig, GatewayConfig } from '../../config/schema.js';
import { errorMessage } from '../../errors.js';
import type { Clock } from '../clock.js';
import { type AgentLogger, silentLogger } from '../logger.js';
import { sampleTree, startTimeOf } from '../sampler.js';
import { type ServiceStatus, ServiceSupervisor } from '../service-supervisor.js';
import type { SpawnFn } from '../spawn.js';
import { GatewayClient } from './client.js';
import { prepareGatewayState } from './state-files.js';

/** Why a gateway was restarted. */
export type RestartReason = 'crash' | 'memory';

/** One supervised `openclaw gateway run`. */
export interface GatewayInstance {
  /** Service name, `openclaw-gateway-<i>`. */
  name: string;
  /** Position in the pool (sessions are routed by it). */
  index: number;
  /** Loopback port. */
  port: number;
  /** OPENCLAW_STATE_DIR of this gateway. */
  stateDir: string;
  /** Pid of the gateway while it runs. */
  pid: number | undefined;
  /** The connected protocol client, once ready. */
  client: GatewayClient | undefined;
  /** Last /readyz probe answered 200 within the timeout. */
  healthy: boolean;
  /** Past its memory limit: no new turns; restarted once the turns in flight end or the bound passes. */
  draining: boolean;
  /** When draining began, ms since the epoch. */
  drainSince: number;
  /** Task ids whose turns run on it. */
  inFlight: Set<string>;
  /** RSS of its whole process tree at the last sample, bytes. */
  rssBytes: number;
  /** Restarts by reason. */
  restarts: Record<RestartReason, number>;
  /** Why the next exit happens, when the daemon causes it. */
  pendingReason: RestartReason | undefined;
  /** Turns this gateway process has taken since it started. */
  turnsTaken: number;
  /** Event-loop delay the gateway last reported in its health RPC, ms. */
  eventLoopLagMs: number | undefined;
}

/** Everything the pool needs; times are injectable for tests. */
export interface GatewayPoolOptions {
  /** `agents.gateway`. */
  config: GatewayConfig;
  /** `agents.openclaw_command`, split on whitespace. */
  openclawCommand: string;
  /** Default state root: `<data_dir>/agents/gateway`. */
  dataDir: string;
  /** TERM→KILL grace. */
  killGraceMs: number;
  /** Logger. */
  logger?: AgentLogger;
  /** Monitor period (readiness, RSS, memory guard), ms. */
  monitorMs?: number;
  /** Process starter (the daemon's injected spawner). */
  spawn?: SpawnFn;
  /** Time source for the service supervisor. */
  clock?: Clock;
}

/** Events: 'change' whenever capacity may have changed (ready, down, draining). */
export interface GatewayPoolEvents {
  /** Capacity changed; the worker should look for work. */
  change: [];
  /** A gateway is being restarted by the daemon or after a crash. */
  restart: [{ name: string; reason: RestartReason }];
}

/** The state root of the gateways. */
export function gatewayStateRoot(config: GatewayConfig, dataDir: string): string {
  return config.state_dir ?? join(dataDir, 'agents', 'gateway');
}

/**
 * Keeps `agents.gateway.count` OpenClaw gateways up (through the service supervisor: restart
 * backoff, logs), holds one protocol connection to each, and enforces the memory guard.
 */
export class GatewayPool extends EventEmitter<GatewayPoolEvents> {
  /** The gateways, by index. */
  readonly gateways: GatewayInstance[];
  /** Shared token of every gateway (random per daemon start; never written to disk by us). */
  readonly token = randomBytes(24).toString('hex');
  readonly services: ServiceSupervisor;
  private readonly logger: AgentLogger;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly options: GatewayPoolOptions) {
    super();
    this.logger = options.logger ?? silentLogger;
    const { config } = options;
    const root = gatewayStateRoot(config, options.dataDir);
    const [command, ...pre] = options.openclawCommand.trim().split(/\s+/);
    this.gateways = Array.from({ length: config.count }, (_, index) => ({
      name: `openclaw-gateway-${index}`,
      index,
      // OpenClaw derives helper ports from the gateway's; its docs ask for 20 between gateways.
      port: config.port + 20 * index,
      stateDir: join(root, `gateway-${index}`),
      pid: undefined,
      client: undefined,
      healthy: false,
      draining: false,
      drainSince: 0,
      inFlight: new Set(),
      rssBytes: 0,
      restarts: { crash: 0, memory: 0 },
      pendingReason: undefined,
      eventLoopLagMs: undefined,
      turnsTaken: 0,
    }));
    const defs: Record<string, AgentServiceConfig> = {};
    for (const gw of this.gateways) {
      defs[gw.name] = {
        command: command ?? 'openclaw',
        args: [...pre, 'gateway', 'run', '--port', String(gw.port), '--bind', 'loopback', '--auth', 'token'],
        env: {
          OPENCLAW_STATE_DIR: gw.stateDir,
          OPENCLAW_GATEWAY_TOKEN: this.token,
          // The daemon owns restarts; no detached respawn may hold the port.
          OPENCLAW_NO_RESPAWN: '1',
          OPENCLAW_DISABLE_BONJOUR: '1',
          OPENCLAW_SKIP_CHANNELS: '1',
          TMPDIR: join(gw.stateDir, 'tmp'),
        },
        cwd: gw.stateDir,
        enabled: true,
        ready_url: `http://127.0.0.1:${gw.port}/readyz`,
      };
    }
    this.services = new ServiceSupervisor(defs, {
      logDir: join(options.dataDir, 'agents', 'logs'),
      killGraceMs: options.killGraceMs,
      logger: this.logger,
      ...(options.spawn ? { spawn: options.spawn } : {}),
      ...(options.clock ? { clock: options.clock } : {}),
    });
    this.services.on('change', (status) => this.onServiceChange(status));
    this.services.on('restart', ({ name }) => {
      const gw = this.byName(name);
      if (!gw) return;
      const reason = gw.pendingReason ?? 'crash';
      gw.pendingReason = undefined;
      gw.restarts[reason]++;
      this.emit('restart', { name, reason });
    });
  }

  /** Writes each gateway's state folder and starts them. */
  start(): void {
    const root = gatewayStateRoot(this.options.config, this.options.dataDir);
    for (const gw of this.gateways)
      prepareGatewayState({
        baseConfigFile: join(root, 'openclaw.json'),
        stateDir: gw.stateDir,
        port: gw.port,
        concurrency: this.options.config.concurrency,
        providerRetries: this.options.config.provider_retries,
      });
    this.stopped = false;
    this.services.start();
    this.timer = setInterval(() => void this.monitor(), this.options.monitorMs ?? 2_000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    for (const gw of this.gateways) gw.client?.close();
    await this.services.stop();
  }

  /** Turns the pool takes now: lanes of the gateways that accept, plus turns still running on the others. */
  capacity(): number {
    let slots = 0;
    for (const gw of this.gateways)
      slots += this.accepting(gw) ? this.options.config.concurrency : gw.inFlight.size;
    return slots;
  }

  /** Ready, healthy, connected and not draining. */
  accepting(gw: GatewayInstance): boolean {
    return gw.client?.open === true && gw.healthy && !gw.draining;
  }

  /**
   * The gateway for a session: the one its key hashes to (its history lives in that gateway's
   * state), else any accepting gateway with a free lane.
   */
  pick(sessionKey: string): GatewayInstance | undefined {
    const home = this.gateways[hashIndex(sessionKey, this.gateways.length)];
    const room = (gw: GatewayInstance) =>
      this.accepting(gw) && gw.inFlight.size < this.options.config.concurrency;
    if (home && room(home)) return home;
    return this.gateways.find(room) ?? (home && this.accepting(home) ? home : undefined);
  }

  private byName(name: string): GatewayInstance | undefined {
    return this.gateways.find((g) => g.name === name);
  }

  private onServiceChange(status: ServiceStatus): void {
    const gw = this.byName(status.name);
    if (!gw) return;
    if (status.state === 'running' && status.pid !== undefined) {
      gw.pid = status.pid;
      gw.healthy = true;
      gw.draining = false;
      gw.turnsTaken = 0;
      void this.connect(gw);
      return;
    }
    if (status.state !== 'starting') {
      gw.pid = undefined;
      gw.healthy = false;
      gw.client?.close();
      gw.client = undefined;
    } else if (gw.pid !== status.pid) {
      // A new process: the previous one's drain and turn count must not restart it at once.
      gw.pid = status.pid;
      gw.draining = false;
      gw.turnsTaken = 0;
      gw.healthy = false;
    }
    this.emit('change');
  }

  private async connect(gw: GatewayInstance): Promise<void> {
    if (this.stopped || gw.pid === undefined || gw.client?.open) return;
    const pid = gw.pid;
    try {
      const client = await GatewayClient.connect({
        url: `ws://127.0.0.1:${gw.port}`,
        token: this.token,
        connectTimeoutMs: 15_000,
      });
      if (gw.pid !== pid || this.stopped) {
        client.close();
        return;
      }
      gw.client = client;
      client.on('close', () => {
        if (gw.client === client) gw.client = undefined;
        this.emit('change');
      });
      this.logger.info(
        {
          gateway: gw.name,
          agent_pid: pid,
          version: client.hello.server.version,
          protocol: client.hello.protocol,
        },
        'gateway connected',
      );
      this.emit('change');
    } catch (error) {
      this.logger.warn({ gateway: gw.name, err: errorMessage(error) }, 'cannot connect to gateway; retrying');
    }
  }

  /** Readiness with a timeout (a stopped gateway never answers), RSS, and the memory guard. */
  private async monitor(): Promise<void> {
    if (this.stopped) return;
    const { config } = this.options;
    await Promise.all(
      this.gateways.map(async (gw) => {
        const pid = gw.pid;
        if (pid === undefined) return;
        const ok = await fetch(`http://127.0.0.1:${gw.port}/readyz`, {
          signal: AbortSignal.timeout(config.ready_timeout),
        }).then(
          (r) => r.ok,
          () => false,
        );
        if (gw.pid !== pid) return;
        const was = this.accepting(gw);
        gw.healthy = ok;
        const start = startTimeOf(pid);
        gw.rssBytes = start ? sampleTree(pid, start).rssBytes : 0;
        if (ok && !gw.client?.open) void this.connect(gw);
        // A gateway over its limit before it took any turn would only restart in a loop (the limit
        // is below what OpenClaw needs idle): that one stays up and its memory check fails instead.
        if (config.memory_limit && gw.rssBytes > config.memory_limit && !gw.draining && gw.turnsTaken > 0) {
          gw.draining = true;
          gw.drainSince = Date.now();
          this.logger.warn(
            {
              gateway: gw.name,
              rss_bytes: gw.rssBytes,
              limit_bytes: config.memory_limit,
              in_flight: gw.inFlight.size,
            },
            'gateway past its memory limit: draining, then restarting',
          );
        }
        if (gw.draining && gw.pendingReason === undefined) {
          if (gw.inFlight.size === 0 || Date.now() - gw.drainSince > config.drain_timeout) {
            gw.pendingReason = 'memory';
            void this.services.restart(gw.name);
          }
        }
        if (was !== this.accepting(gw)) this.emit('change');
      }),
    );
  }
}

/** A stable small hash, so a session goes to the same gateway across attempts and daemon restarts. */
export function hashIndex(key: string, n: number): number {
  let h = 0;
  for (let i = 0; i < key.length; i++) h = (h * 31 + key.charCodeAt(i)) >>> 0;
  return n > 0 ? h % n : 0;
}
