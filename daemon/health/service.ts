import type { HealthConfig } from '../config/health.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { DaemonMetrics } from '../metrics/registry.js';
import type { EventBus } from '../runtime/events.js';
import type { DaemonComponent } from '../runtime/module.js';
import type { StoreFacets } from '../store/facets.js';
import { AlertHook } from './alert.js';
import { agentSourceChecks } from './checks/agents.js';
import { canaryCheck, clusterChecks } from './checks/cluster.js';
import { HealthHistory } from './history.js';
import { feedHealthMetrics, refreshStoreMetrics } from './metrics-feed.js';
import type { AgentHealthSource, CanaryRunner, ClusterHealthSource } from './providers.js';
import { isEnabled, resolveCheck } from './resolve.js';
import { HealthRunner } from './runner.js';
import { HealthScheduler } from './scheduler.js';
import type { CheckResult, HealthCheck, ResolvedCheck, StatusChange } from './types.js';

/** What the health service is built from. */
export interface HealthServiceDeps {
  /** The `health:` config section. */
  config: HealthConfig;
  /** This node. */
  nodeId: string;
  /** Where history goes (health), task gauges (tasks) and pool figures (diagnostics) come from. */
  store: Pick<StoreFacets, 'tasks' | 'health' | 'diagnostics'>;
  /** Whether the store takes queries now. */
  storeReady: () => boolean;
  /** The runtime's metrics, to feed the health gauges into; /metrics serves them. */
  metrics: DaemonMetrics;
  /** The daemon's bus, where results and status changes are published (a bus of its own by default). */
  events?: EventBus;
  /** Logger. */
  logger: Logger;
  /** Membership now: the cluster module's when it provides one, else this node alone. */
  cluster: () => ClusterHealthSource;
  /** The daemon is running (not starting, not draining): status changes are news only then. */
  running?: () => boolean;
  /** Released on stop (samplers, diagnostics pools). */
  closers?: (() => void | Promise<void>)[];
}

/**
 * The health engine as one daemon component: runner, cron scheduler, history, alerts and metrics.
 * Results and status changes are published on the runner's bus (`health.result`, `health.change`).
 */
export class HealthService implements DaemonComponent {
  readonly name = 'health';
  readonly runner: HealthRunner;
  readonly history: HealthHistory;
  private readonly scheduler: HealthScheduler;
  private readonly alert: AlertHook;
  private firstRound = false;
  /** Each check's status as alerts last saw it; until start-up ends it is only recorded. */
  private readonly settled = new Map<string, StatusChange['to']>();
  /** Checks that have had their first result since the daemon began running. */
  private readonly baselined = new Set<string>();

  constructor(private readonly deps: HealthServiceDeps) {
    const { config, logger } = deps;
    this.runner = new HealthRunner({
      nodeId: deps.nodeId,
      freshMinIntervalMs: config.fresh_min_interval,
      ...(deps.events ? { events: deps.events } : {}),
    });
    this.history = new HealthHistory(deps.store.health, {
      nodeId: deps.nodeId,
      retentionMs: config.history.retention,
      sampleEveryMs: config.history.sample_every,
      storeReady: deps.storeReady,
    });
    if (config.history.enabled) this.history.attach(this.runner);
    this.alert = new AlertHook(
      {
        ...(config.alert.webhook_url ? { webhookUrl: config.alert.webhook_url } : {}),
        ...(config.alert.command ? { command: config.alert.command } : {}),
        statuses: config.alert.statuses,
        timeoutMs: config.alert.timeout,
      },
      logger,
    );
    this.runner.events.on('health.result', ({ result, check }) => this.onResult(result, check));
    feedHealthMetrics(this.runner.events, deps.metrics);
    const everyMs = (ms: number) => `*/${Math.max(1, Math.min(59, Math.round(ms / 1000)))} * * * * *`;
    this.scheduler = new HealthScheduler(
      this.runner,
      [
        ...(config.history.enabled
          ? [
              {
                name: 'history-flush',
                schedule: everyMs(config.history.flush_every),
                run: () => this.flushHistory(),
              },
              { name: 'history-prune', schedule: config.schedules.prune, run: () => this.pruneHistory() },
            ]
          : []),
        {
          name: 'metrics',
          schedule: config.schedules.metrics,
          run: async () => {
            if (deps.storeReady()) await refreshStoreMetrics(deps.store, deps.metrics);
          },
        },
      ],
      logger,
    );
    this.add(...clusterChecks(deps.cluster));
  }

  /**
   * Start-up results (the store "not connected yet" 7 ms before it connects, each check's first
   * run, a slow check's first result) set the baseline; only later changes against it are news:
   * logged at info/warn and sent to the alert hook.
   */
  private onResult(result: CheckResult, check: ResolvedCheck): void {
    const before = this.settled.get(result.name);
    this.settled.set(result.name, result.status);
    // Start-up lasts until the daemon runs *and* each check has settled once since (its reported
    // status caught up with what it measures): services start after the first round, so it says
    // "down" for a moment, and hysteresis keeps that for a round more.
    const running = this.firstRound && (this.deps.running?.() ?? true);
    const quiet = !running || !this.baselined.has(result.name);
    if (running && result.status === result.rawStatus) this.baselined.add(result.name);
    if (before === result.status) return;
    const news = !quiet && before !== undefined;
    const level = !news ? 'debug' : result.status === 'pass' ? 'info' : 'warn';
    this.deps.logger[level](
      { check: result.name, from: before, to: result.status, output: result.observation.output },
      news ? 'health status changed' : 'health status changed (start-up or shutdown: not alerted)',
    );
    if (news)
      void this.alert.send({
        name: result.name,
        from: before,
        to: result.status,
        affects: check.affects,
        result,
        nodeId: this.deps.nodeId,
      });
  }

  /** Registers checks (config overrides and `enabled: false` applied); works before and after start. */
  add(...checks: HealthCheck[]): void {
    this.runner.add(
      ...checks
        .filter((c) => isEnabled(c.name, this.deps.config))
        .map((c) => resolveCheck(c, this.deps.config)),
    );
    this.scheduler.sync();
  }

  /** Plugs in the agent supervisor's view (agents issue). */
  provideAgents(source: AgentHealthSource): void {
    this.add(...agentSourceChecks(source));
  }

  /** Plugs in the business canary (tasks issue). */
  provideCanary(runner: CanaryRunner): void {
    this.add(canaryCheck(runner));
  }

  /** Current membership source. */
  cluster(): ClusterHealthSource {
    return this.deps.cluster();
  }

  /** Every check readiness needs (and every fast one) has run once. */
  get started(): boolean {
    return this.firstRound;
  }

  /**
   * On shutdown the phase is already `draining`, so readiness fails while liveness passes; waiting
   * `health.drain_delay` before the listener closes lets load balancers see that 503 first.
   */
  async drain(budgetMs: number): Promise<void> {
    const ms = Math.min(this.deps.config.drain_delay, Math.floor(budgetMs / 2));
    if (ms > 0) {
      this.deps.logger.info({ drain_delay_ms: ms }, 'readiness failing; waiting before closing the listener');
      await new Promise((resolve) => setTimeout(resolve, ms));
    }
  }

  async flushHistory(): Promise<number> {
    return this.history.flush().catch((error) => {
      this.deps.logger.debug({ err: errorMessage(error) }, 'health history not written yet');
      return 0;
    });
  }

  async pruneHistory(): Promise<number> {
    const deleted = await this.history.prune();
    if (deleted > 0) this.deps.logger.info({ deleted }, 'health history pruned');
    return deleted;
  }

  /** Runs the fast checks (everything readiness needs) before returning; the rest follow in the background. */
  async start(): Promise<void> {
    const all = this.runner.list();
    const fast = all.filter((c) => c.group === 'fast' || c.affects !== 'none').map((c) => c.name);
    await this.runner.runMany(fast);
    this.firstRound = true;
    // Slow checks (PostgreSQL diagnostics, quick_check) must not hold up startup.
    void this.runner.runMany(all.map((c) => c.name).filter((n) => !fast.includes(n)));
    if (this.deps.config.enabled) this.scheduler.start();
    if (this.deps.storeReady()) void refreshStoreMetrics(this.deps.store, this.deps.metrics).catch(() => {});
  }

  async stop(): Promise<void> {
    await this.scheduler.stop();
    await this.flushHistory();
    for (const close of this.deps.closers ?? []) await Promise.resolve(close()).catch(() => {});
  }
}
