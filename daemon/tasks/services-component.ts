import {
  type Clock,
  type ServiceStatus,
  ServiceSupervisor,
  type SpawnExit,
  type SpawnFn,
} from '../agents/index.js';
import { agentLayout } from '../agents/layout.js';
import type { Config } from '../config/load.js';
import type { Logger } from '../log/logger.js';
import type { EventBus } from '../runtime/events.js';
import type { DaemonComponent } from '../runtime/module.js';

declare module '../runtime/events.js' {
  interface DaemonEventMap {
    /** An agent service exited and is restarted after `delay_ms`. */
    'service.restart': { service: string; delay_ms: number; restarts: number; exit: SpawnExit };
    /** An agent service crashed too often and is no longer restarted. */
    'service.errored': { service: string; restarts: number; last_exit: ServiceStatus['lastExit'] | null };
  }
}

/** A process exit as flat log keys, named as everywhere else in the log (exit_code, signal). */
function exitFields(exit: SpawnExit | undefined): Record<string, unknown> {
  if (!exit) return {};
  return {
    exit_code: exit.exitCode ?? null,
    signal: exit.signal ?? null,
    ...(exit.spawnError ? { err: exit.spawnError } : {}),
  };
}

/** Keeps `agents.services` (e.g. an `openclaw gateway run`) up with PM2-style restart backoff. */
export function servicesComponent(
  config: Config,
  logger: Logger,
  events: EventBus,
  seams: { spawn?: SpawnFn; clock?: Clock } = {},
): DaemonComponent & { supervisor: ServiceSupervisor } {
  const services = Object.fromEntries(
    Object.entries(config.agents.services).map(([name, def]) => [
      name,
      { ...def, pass_env: [...new Set([...config.agents.pass_env, ...(def.pass_env ?? [])])] },
    ]),
  );
  const supervisor = new ServiceSupervisor(services, {
    logDir: agentLayout(config.data_dir).logs,
    killGraceMs: config.agents.kill_grace,
    logger,
    ...seams,
  });
  // Daemon-wide: on the bus (metrics and health listen there), and logged once here.
  supervisor.on('restart', (info) => {
    const event = { service: info.name, delay_ms: info.delayMs, restarts: info.restarts, exit: info.exit };
    logger.warn(
      { service: info.name, delay_ms: info.delayMs, restarts: info.restarts, ...exitFields(info.exit) },
      'agent service exited; restarting after backoff',
    );
    events.emit('service.restart', event);
  });
  supervisor.on('errored', (status) => {
    const event = { service: status.name, restarts: status.restarts, last_exit: status.lastExit ?? null };
    logger.error(
      { service: status.name, restarts: status.restarts, ...exitFields(status.lastExit) },
      'agent service keeps crashing; gave up restarting it',
    );
    events.emit('service.errored', event);
  });
  return {
    name: 'agent-services',
    supervisor,
    start: async () => supervisor.start(),
    stop: () => supervisor.stop(),
  };
}
