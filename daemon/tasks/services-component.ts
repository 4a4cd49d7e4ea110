import { join } from 'node:path';
import { type Clock, ServiceSupervisor, type SpawnFn } from '../agents/index.js';
import type { Config } from '../config/load.js';
import type { Logger } from '../log/logger.js';
import type { DaemonComponent } from '../runtime/module.js';

/** Keeps `agents.services` (e.g. an `openclaw gateway run`) up with PM2-style restart backoff. */
export function servicesComponent(
  config: Config,
  logger: Logger,
  seams: { spawn?: SpawnFn; clock?: Clock } = {},
): DaemonComponent & { supervisor: ServiceSupervisor } {
  const supervisor = new ServiceSupervisor(config.agents.services, {
    logDir: join(config.data_dir, 'agents', 'logs'),
    killGraceMs: config.agents.kill_grace,
    logger,
    ...seams,
  });
  // The supervisor logs restarts and give-ups itself, once each.
  return {
    name: 'agent-services',
    supervisor,
    start: async () => supervisor.start(),
    stop: () => supervisor.stop(),
  };
}
