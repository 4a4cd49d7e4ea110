import { worstStatus } from '../../shared/health.js';
import { logWriteFailures } from '../agents/log-file.js';
import { DEFAULT_PROFILE_NAME, GATEWAY_PROFILE_NAME, openclawProfile } from '../agents/profile.js';
import type { ParsedConfig } from '../config/schema.js';
import type { DaemonContext, DaemonModule } from '../runtime/module.js';
import { alertPayload } from './alert.js';
import { agentCommandCheck, agentLogWritesCheck } from './checks/agents.js';
import { postgresChecks } from './checks/postgres.js';
import { processChecks } from './checks/process.js';
import { sqliteChecks } from './checks/sqlite.js';
import { storeChecks } from './checks/store.js';
import { systemChecks } from './checks/system.js';
import { SingleHostCluster } from './cluster-source.js';
import type { ClusterHealthSource } from './providers.js';
import { assertKnownChecks } from './resolve.js';
import { healthRoutes, healthView } from './routes.js';
import { HealthService } from './service.js';
import type { HealthCheck } from './types.js';

/** What other modules may do with health: add checks and plug in the sources health reads. */
export type HealthRegistry = Pick<HealthService, 'add' | 'provideAgents' | 'provideCanary'>;

declare module '../runtime/module.js' {
  interface DaemonServices {
    /** The health module: other modules add their checks and sources here. */
    health: HealthRegistry;
    /** Membership for /health/cluster and the cluster checks; the cluster module provides it. */
    'cluster.health': ClusterHealthSource;
  }
}

/**
 * The agent commands a worker would spawn: every profile's, plus openclaw's when it is the default
 * (also for `openclaw-gateway`, whose gateways run it) or when the gateways are enabled.
 * `openclaw_command` may be "node /path/openclaw.mjs"; the executable is its first word, as the
 * built-in profile splits it.
 */
export function agentCommands(agents: ParsedConfig['agents']): string[] {
  const commands = Object.values(agents.profiles).map((p) => p.command);
  const gateway =
    agents.gateway.count > 0 && (agents.gateway.enabled || agents.default_profile === GATEWAY_PROFILE_NAME);
  if ((agents.default_profile === DEFAULT_PROFILE_NAME && !agents.profiles[DEFAULT_PROFILE_NAME]) || gateway)
    commands.push(openclawProfile(agents.openclaw_command).command);
  return commands;
}

/** The checks this node's store calls for; `closers` gets what must be released on stop. */
function storeSpecificChecks(ctx: DaemonContext, closers: (() => Promise<void>)[]): HealthCheck[] {
  const { config } = ctx;
  const diagnostics = ctx.store.diagnostics;
  if (diagnostics.dialect === 'sqlite') return sqliteChecks(diagnostics);
  const probeOptions = {
    applicationName: `aidosd-health:${config.node_id}`,
    timeoutMs: config.health.timeout,
  };
  const probe = diagnostics.openProbe(probeOptions);
  const replicaProbe = config.store.read_replica_url
    ? diagnostics.openProbe({ ...probeOptions, url: config.store.read_replica_url })
    : undefined;
  closers.push(() => probe.close());
  if (replicaProbe) closers.push(() => replicaProbe.close());
  return postgresChecks({
    ping: () => diagnostics.ping(),
    poolFigures: () => diagnostics.poolFigures(),
    probe,
    ...(replicaProbe ? { replicaProbe } : {}),
    description: diagnostics.description,
  });
}

/**
 * Health: the checks this node's store and roles call for, the /health* endpoints, the `health`
 * topic and the component that schedules the checks. Other modules add theirs through the `health`
 * service; the cluster module replaces the single-host membership by providing `cluster.health`.
 */
export const healthModule: DaemonModule = {
  name: 'health',
  install(ctx) {
    const { config, link, logger } = ctx;
    assertKnownChecks(config.health);
    const proc = processChecks();
    const closers: (() => void | Promise<void>)[] = [proc.close];
    let service: HealthService | undefined;
    const single = new SingleHostCluster(() => ({
      nodeId: config.node_id,
      address: ctx.node.address(),
      status: worstStatus(
        (service?.runner.list() ?? []).map((c) => service?.runner.result(c.name)?.status ?? 'pass'),
      ),
    }));
    // Looked up on every use: the cluster module may be installed after this one.
    const cluster = () => ctx.optional('cluster.health') ?? single;
    const health = new HealthService({
      config: config.health,
      nodeId: config.node_id,
      store: ctx.store,
      storeReady: () => link.ready,
      metrics: ctx.metrics,
      events: ctx.events,
      logger,
      cluster,
      closers,
      running: () => ctx.node.phase() === 'running',
    });
    service = health;
    const storeClosers: (() => Promise<void>)[] = [];
    health.add(
      ...proc.checks,
      ...systemChecks(config.data_dir),
      ...storeChecks(ctx.store.diagnostics, ctx.store.tasks, link),
      ...storeSpecificChecks(ctx, storeClosers),
    );
    closers.push(...storeClosers);
    if (config.roles.includes('worker'))
      health.add(
        agentCommandCheck(() => agentCommands(config.agents)),
        agentLogWritesCheck(logWriteFailures),
      );
    // Readiness follows the store link at once instead of waiting for the next scheduled run.
    ctx.events.on('store.change', () => health.runner.runSoon('store:ready'));
    const endpoints = {
      nodeId: config.node_id,
      runner: health.runner,
      started: () => ctx.node.phase() !== 'starting' && health.started,
      phase: () => ctx.node.phase(),
      cluster,
    };
    ctx.addRoute(...healthRoutes(endpoints));
    // WebSocket `health` topic: the deep document first, then one message per status change.
    ctx.addTopic('health', {
      snapshot: async () => healthView(endpoints, 'deep'),
      subscribe: (_params, push) => ctx.events.on('health.change', (change) => push(alertPayload(change))),
    });
    ctx.provide('health', health);
    ctx.use(health);
  },
};
