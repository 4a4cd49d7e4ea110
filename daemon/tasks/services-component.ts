import { join } from 'node:path';
import { ServiceSupervisor } from '../agents/index.js';
import type { Config } from '../config/load.js';
import type { Logger } from '../log/logger.js';
import type { DaemonComponent } from '../runtime/daemon.js';

/** Keeps `agents.services` (e.g. an `openclaw gateway run`) up with PM2-style restart backoff. */
export function servicesComponent(
  config: Config,
  logger: Logger,
): DaemonComponent & { supervisor: ServiceSupervisor } {
  const services = Object.fromEntries(
    Object.entries(config.agents.services).map(([name, def]) => [
      name,
      { ...def, pass_env: [...new Set([...config.agents.pass_env, ...(def.pass_env ?? [])])] },
    ]),
  );
  const supervisor = new ServiceSupervisor(services, {
    logDir: join(config.data_dir, 'agents', 'logs'),
    killGraceMs: config.agents.kill_grace,
    logger,
  });
  supervisor.on('restart', (info) => logger.warn(info, 'agent service exited; restarting after backoff'));
  supervisor.on('errored', (info) =>
    logger.error(info, 'agent service keeps crashing; gave up restarting it'),
  );
  return {
    name: 'agent-services',
    supervisor,
    start: async () => supervisor.start(),
    stop: () => supervisor.stop(),
  };
}
