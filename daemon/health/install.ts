import { worstStatus } from '../../shared/health.js';
import { logWriteFailures } from '../agents/log-file.js';
import { DEFAULT_PROFILE_NAME, openclawProfile } from '../agents/profile.js';
import type { ParsedConfig } from '../config/schema.js';
import { DaemonMetrics } from '../metrics/registry.js';
import { metricsRoute } from '../metrics/routes.js';
import type { Daemon } from '../runtime/daemon.js';
import { migrationRunner } from '../store/open.js';
import { openDiagnosticsPool } from '../store/postgres/diagnostics.js';
import { PostgresStore } from '../store/postgres/pg-store.js';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';
import { alertPayload } from './alert.js';
import { agentCommandCheck, agentLogWritesCheck } from './checks/agents.js';
import { postgresChecks } from './checks/postgres.js';
import { processChecks } from './checks/process.js';
import { sqliteChecks } from './checks/sqlite.js';
import { storeChecks } from './checks/store.js';
import { systemChecks } from './checks/system.js';
import { SingleHostCluster } from './cluster-source.js';
import { assertKnownChecks } from './resolve.js';
import { healthRoutes, healthView } from './routes.js';
import { HealthService } from './service.js';
import type { StatusChange } from './types.js';

/**
 * The agent commands a worker would spawn: every profile's, plus openclaw's when it is the default.
 * `openclaw_command` may be "node /path/openclaw.mjs"; the executable is its first word, as the
 * built-in profile splits it.
 */
export function agentCommands(agents: ParsedConfig['agents']): string[] {
  const commands = Object.values(agents.profiles).map((p) => p.command);
  if (agents.default_profile === DEFAULT_PROFILE_NAME && !agents.profiles[DEFAULT_PROFILE_NAME])
    commands.push(openclawProfile(agents.openclaw_command).command);
  return commands;
}

/**
 * Builds the health engine for a daemon: the checks its store and roles call for, the endpoints,
 * /metrics, and the component that schedules the checks. Call once, from the Daemon constructor.
 */
export function installHealth(daemon: Daemon): HealthService {
  const { config, store, link, logger } = daemon;
  assertKnownChecks(config.health);
  const metrics = new DaemonMetrics();
  const proc = processChecks();
  const closers: (() => void | Promise<void>)[] = [proc.close];
  let service: HealthService | undefined;
  const cluster = new SingleHostCluster(() => ({
    nodeId: config.node_id,
    address: daemon.address,
    status: worstStatus(
      (service?.runner.list() ?? []).map((c) => service?.runner.result(c.name)?.status ?? 'pass'),
    ),
  }));
  service = new HealthService({
    config: config.health,
    nodeId: config.node_id,
    store,
    storeReady: () => link.ready,
    metrics,
    logger,
    cluster,
    closers,
  });
  service.add(
    ...proc.checks,
    ...systemChecks(config.data_dir),
    ...storeChecks(store, link, migrationRunner(store)),
  );
  if (store instanceof SqliteStore) service.add(...sqliteChecks(store.database));
  if (store instanceof PostgresStore) {
    const timeoutMs = config.health.timeout;
    const diagPool = openDiagnosticsPool({
      url: config.store.url,
      applicationName: `aidosd-health:${config.node_id}`,
      timeoutMs,
    });
    const replicaPool = config.store.read_replica_url
      ? openDiagnosticsPool({
          url: config.store.read_replica_url,
          applicationName: `aidosd-health:${config.node_id}`,
          timeoutMs,
        })
      : undefined;
    closers.push(() => diagPool.end());
    if (replicaPool) closers.push(() => replicaPool.end());
    service.add(
      ...postgresChecks({
        ping: () => store.ping(),
        appPool: store.pool,
        diagPool,
        ...(replicaPool ? { replicaPool } : {}),
        description: store.description,
      }),
    );
  }
  if (config.roles.includes('worker'))
    service.add(
      agentCommandCheck(() => agentCommands(daemon.config.agents)),
      agentLogWritesCheck(logWriteFailures),
    );
  // Readiness follows the store link at once instead of waiting for the next scheduled run.
  link.on('change', () => service.runner.runSoon('store:ready'));
  const health = service;
  const endpoints = {
    nodeId: config.node_id,
    runner: health.runner,
    started: () => daemon.phase !== 'starting' && health.started,
    phase: () => daemon.phase,
    cluster: () => health.cluster(),
  };
  daemon.server.route(...healthRoutes(endpoints), metricsRoute(metrics));
  // WebSocket `health` topic: the deep document first, then one message per status change.
  daemon.topics.health = {
    snapshot: async () => healthView(endpoints, 'deep'),
    subscribe: (_params, push) => {
      const listener = (change: StatusChange) => push(alertPayload(change));
      health.runner.on('change', listener);
      return () => health.runner.off('change', listener);
    },
  };
  daemon.use(health);
  return health;
}
