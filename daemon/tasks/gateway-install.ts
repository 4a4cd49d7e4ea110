import { gatewayChecks } from '../agents/gateway/checks.js';
import { registerGatewayMetrics } from '../agents/gateway/metrics.js';
import { GatewayPool } from '../agents/gateway/pool.js';
import type { Config } from '../config/load.js';
import type { DaemonContext } from '../runtime/module.js';
import { GATEWAY_PROFILE_NAME, RoutingLauncher } from './gateway-launcher.js';
import type { SupervisorLauncher } from './supervisor-launcher.js';

/** The gateways run when some gateway task can come here: it is the default, the canary, or asked for. */
export function gatewayWanted(config: Config): boolean {
  const { gateway } = config.agents;
  return (
    gateway.count > 0 &&
    (gateway.enabled ||
      config.agents.default_profile === GATEWAY_PROFILE_NAME ||
      config.health.canary_profile === GATEWAY_PROFILE_NAME)
  );
}

/**
 * Adds the built-in `openclaw-gateway` profile: a pool of supervised gateways (started with the
 * worker role), a launcher that routes its tasks there, health checks and metrics. Returns
 * undefined when the gateways are not wanted, so a node without OpenClaw starts nothing.
 */
export function installGateway(
  ctx: DaemonContext,
  exec: SupervisorLauncher,
  wake: () => void,
): { launcher: RoutingLauncher; pool: GatewayPool } | undefined {
  const { config, logger } = ctx;
  if (!gatewayWanted(config)) return undefined;
  const g = config.agents.gateway;
  const pool = new GatewayPool({
    config: g,
    openclawCommand: config.agents.openclaw_command,
    dataDir: config.data_dir,
    killGraceMs: config.agents.kill_grace,
    logger,
    spawn: ctx.inject.spawner,
    clock: ctx.inject.clock,
  });
  // Queued gateway tasks wait (unclaimed) while no gateway accepts; a ready one wakes the worker.
  pool.on('change', wake);
  pool.on('restart', (info) =>
    logger.warn({ gateway: info.name, reason: info.reason }, 'gateway restarting'),
  );
  const launcher = new RoutingLauncher(exec, pool, config.agents.kill_grace, logger);
  if (config.roles.includes('worker')) {
    ctx.use({ name: 'openclaw-gateways', start: async () => pool.start(), stop: () => pool.stop() });
    registerGatewayMetrics(ctx.metrics.registry, pool);
    ctx.optional('health')?.add(...gatewayChecks(pool, g.ready_timeout, g.memory_warn, g.memory_limit));
  }
  return { launcher, pool };
}
