import { EventEmitter } from 'node:events';
import type { AgentServiceConfig } from '../config/schema.js';
import { agentBaseEnv } from './agent-env.js';
import { type BackoffOptions, DEFAULT_BACKOFF, RestartBackoff } from './backoff.js';
import { captureOutput } from './capture.js';
import { type Clock, systemClock } from './clock.js';
import { stopGroup } from './group-stop.js';
import { serviceLogFile } from './layout.js';
import { RotatingLog } from './log-file.js';
import { type AgentLogger, silentLogger } from './logger.js';
import { LineRing, type OutputLine } from './ring-buffer.js';
import { startTimeOf } from './sampler.js';
import {
  execaSpawn,
  type SpawnExit,
  type SpawnedProcess,
  type SpawnFn,
  withParentDeathSignal,
} from './spawn.js';

/** Lifecycle state of a service. */
export type ServiceState = 'starting' | 'running' | 'backoff' | 'errored' | 'stopped';

/** What the daemon reports about one service. */
export interface ServiceStatus {
  /** Service name (key under agents.services). */
  name: string;
  /** Current state. */
  state: ServiceState;
  /** Pid while a process is up. */
  pid: number | undefined;
  /** Restarts so far. */
  restarts: number;
  /** How the previous process ended, with when. */
  lastExit: (SpawnExit & { at: number; uptimeMs: number }) | undefined;
  /** When the service entered its current state, ms since the epoch. */
  since: number;
}

/** Events: 'change' on every state change; 'restart' when a restart is scheduled; 'errored' on give-up. */
export interface ServiceEvents {
  /** Any state change. */
  change: [ServiceStatus];
  /** A restart was scheduled after `delayMs`; `exit` is how the process ended. */
  restart: [{ name: string; delayMs: number; restarts: number; exit: SpawnExit }];
  /** Too many quick crashes; the service is no longer restarted. */
  errored: [ServiceStatus];
}

/** Construction options; times are injectable so tests run in milliseconds. */
export interface ServiceSupervisorOptions {
  /** Logs go to `<logDir>/services/<name>.log`. */
  logDir: string;
  /** TERM→KILL grace on stop, ms. */
  killGraceMs?: number;
  /** Restart policy. */
  backoff?: Partial<BackoffOptions>;
  /** Readiness poll period when ready_url is set, ms. */
  readyPollMs?: number;
  /** Time source. */
  clock?: Clock;
  /** Process starter; defaults to execa wrapped in setpriv --pdeathsig. */
  spawn?: SpawnFn;
  /** Logger (pino-compatible). */
  logger?: AgentLogger;
  /** Environment the services inherit; defaults to the daemon's. */
  baseEnv?: NodeJS.ProcessEnv;
  /** Log rotation size, bytes. */
  logMaxBytes?: number;
  /** Output lines kept per service. */
  ringLines?: number;
}

interface Slot {
  name: string;
  def: AgentServiceConfig;
  status: ServiceStatus;
  backoff: RestartBackoff;
  ring: LineRing;
  log: RotatingLog;
  child?: SpawnedProcess & { pid: number; startTime: number; startedAt: number };
  timer?: unknown;
  readyTimer?: unknown;
}

/** Keeps long-lived agent services (e.g. `openclaw gateway run`) up, with restart backoff. */
export class ServiceSupervisor extends EventEmitter<ServiceEvents> {
  private readonly slots = new Map<string, Slot>();
  private readonly clock: Clock;
  private readonly spawnFn: SpawnFn;
  private readonly logger: AgentLogger;
  private stopping = false;

  constructor(
    services: Record<string, AgentServiceConfig>,
    private readonly options: ServiceSupervisorOptions,
  ) {
    super();
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
    this.spawnFn = options.spawn ?? withParentDeathSignal(execaSpawn, this.logger);
    const backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    for (const [name, def] of Object.entries(services)) {
      if (!def.enabled) continue;
      this.slots.set(name, {
        name,
        def,
        status: {
          name,
          state: 'stopped',
          pid: undefined,
          restarts: 0,
          lastExit: undefined,
          since: this.clock.now(),
        },
        backoff: new RestartBackoff(backoff),
        ring: new LineRing(options.ringLines ?? 200),
        log: new RotatingLog(serviceLogFile(options.logDir, name), options.logMaxBytes ?? 10 * 1024 * 1024),
      });
    }
  }

  /** Starts every enabled service. */
  start(): void {
    this.stopping = false;
    for (const slot of this.slots.values()) this.launch(slot);
  }

  status(): ServiceStatus[] {
    return [...this.slots.values()].map((s) => ({ ...s.status }));
  }

  /** The live process of a service (pid, its /proc start time, when it was spawned), if one is up. */
  process(name: string): { pid: number; startTime: number; startedAt: number } | undefined {
    const child = this.slots.get(name)?.child;
    return child ? { pid: child.pid, startTime: child.startTime, startedAt: child.startedAt } : undefined;
  }

  /** Recent output lines of a service, oldest first. */
  recentLines(name: string): OutputLine[] {
    return this.slots.get(name)?.ring.lines() ?? [];
  }

  /** Stops every service (TERM, then KILL after the grace) and cancels pending restarts. */
  async stop(): Promise<void> {
    this.stopping = true;
    const waits: Promise<void>[] = [];
    for (const slot of this.slots.values()) {
      this.clock.clearTimer(slot.timer);
      this.clock.clearTimer(slot.readyTimer);
      const child = slot.child;
      if (child)
        waits.push(
          stopGroup(child.pid, child.startTime, child.exited, this.options.killGraceMs ?? 5_000, this.clock),
        );
      else if (slot.status.state !== 'errored') this.setState(slot, 'stopped', undefined);
    }
    await Promise.all(waits);
    for (const slot of this.slots.values()) slot.log.close();
  }

  /**
   * Stops a running service (TERM, then KILL after the grace); it is started again through the
   * usual exit path, so its restart counts and backoff apply. False when it is not running.
   */
  async restart(name: string): Promise<boolean> {
    const child = this.slots.get(name)?.child;
    if (!child) return false;
    await stopGroup(child.pid, child.startTime, child.exited, this.options.killGraceMs ?? 5_000, this.clock);
    return true;
  }

  private setState(slot: Slot, state: ServiceState, pid: number | undefined): void {
    slot.status = { ...slot.status, state, pid, since: this.clock.now() };
    this.emit('change', { ...slot.status });
  }

  private launch(slot: Slot): void {
    if (this.stopping) return;
    const env = agentBaseEnv(this.options.baseEnv ?? process.env, slot.def.pass_env);
    Object.assign(env, slot.def.env);
    const child = this.spawnFn({
      command: slot.def.command,
      args: slot.def.args,
      cwd: slot.def.cwd ?? process.cwd(),
      env,
    });
    if (child.pid !== undefined) {
      slot.child = {
        ...child,
        pid: child.pid,
        startTime: startTimeOf(child.pid),
        startedAt: this.clock.now(),
      };
      this.capture(slot, child);
    }
    this.setState(slot, slot.def.ready_url ? 'starting' : 'running', child.pid);
    if (slot.def.ready_url && child.pid !== undefined) this.pollReady(slot, child.pid, slot.def.ready_url);
    const startedAt = this.clock.now();
    void child.exited.then((exit) => this.onExit(slot, exit, startedAt));
  }

  private onExit(slot: Slot, exit: SpawnExit, startedAt: number): void {
    const now = this.clock.now();
    const uptimeMs = now - startedAt;
    slot.child = undefined;
    slot.status.lastExit = { ...exit, at: now, uptimeMs };
    if (this.stopping) {
      this.setState(slot, 'stopped', undefined);
      return;
    }
    const decision = slot.backoff.onExit(uptimeMs);
    if (decision.giveUp) {
      // Logged once, by whoever listens (the daemon logs it from the event).
      this.setState(slot, 'errored', undefined);
      this.emit('errored', { ...slot.status });
      return;
    }
    this.setState(slot, 'backoff', undefined);
    slot.status.restarts++;
    this.emit('restart', {
      name: slot.name,
      delayMs: decision.delayMs,
      restarts: slot.status.restarts,
      exit,
    });
    slot.timer = this.clock.setTimer(() => this.launch(slot), decision.delayMs);
  }

  private pollReady(slot: Slot, pid: number, url: string): void {
    const poll = async (): Promise<void> => {
      if (slot.child?.pid !== pid || slot.status.state !== 'starting') return;
      // A stopped (SIGSTOPped) gateway never answers, so every probe carries a timeout.
      const ok = await fetch(url, { signal: AbortSignal.timeout(2_000) }).then(
        (r) => r.ok,
        () => false,
      );
      if (slot.child?.pid !== pid || slot.status.state !== 'starting') return;
      if (ok) this.setState(slot, 'running', pid);
      else slot.readyTimer = this.clock.setTimer(() => void poll(), this.options.readyPollMs ?? 500);
    };
    void poll();
  }

  private capture(slot: Slot, child: SpawnedProcess): void {
    captureOutput(child, {
      log: slot.log,
      onLine: (stream, text) => slot.ring.push({ stream, text, at: this.clock.now() }),
    });
  }
}
