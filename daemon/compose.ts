import type { Config } from './config/load.js';
import { healthModule } from './health/module.js';
import type { Logger } from './log/logger.js';
import { Daemon, type DaemonOptions } from './runtime/daemon.js';
import type { DaemonModule } from './runtime/module.js';
import { tasksModule } from './tasks/module.js';

/**
 * The composition root: every module of the daemon, in install order. A module may `require` the
 * services of those before it; one that reads a later module's service looks it up lazily
 * (`optional`) when it needs it. Adding a module = one folder and one line here (docs/modules.md).
 */
export const MODULES: readonly DaemonModule[] = [healthModule, tasksModule];

/** Builds a daemon with every module installed; `start()` it. */
export function composeDaemon(
  config: Config,
  logger: Logger,
  options: Omit<DaemonOptions, 'modules'> & { modules?: readonly DaemonModule[] } = {},
): Daemon {
  return new Daemon(config, logger, { ...options, modules: options.modules ?? MODULES });
}
