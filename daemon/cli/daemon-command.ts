import type { Command } from 'commander';
import { composeDaemon } from '../compose.js';
import { flushBounded } from '../log/destination.js';
import { createLogger } from '../log/logger.js';
import { addConfigFlags, type ConfigFlagValues, configFromFlags } from './config-flags.js';

/** `aidos daemon`: runs until SIGTERM/SIGINT, then shuts down gracefully within shutdown_timeout. */
export function registerDaemonCommand(program: Command): void {
  const cmd = program
    .command('daemon')
    .description('run the aidos daemon (aidosd) in the foreground')
    .option('--no-migrate', 'do not apply migrations at start (only verify; not ready while any is pending)');
  addConfigFlags(cmd, { server: true }).action(async (flags: ConfigFlagValues & { migrate: boolean }) => {
    const config = configFromFlags(flags);
    if (!flags.migrate) config.store.migrate_on_start = false;
    const logger = createLogger(config.log.level, config.node_id);
    const daemon = composeDaemon(config, logger);
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      signals++;
      if (signals > 1) {
        logger.warn({ signal }, 'second signal: exiting now');
        process.exit(130);
      }
      const force = setTimeout(() => {
        logger.error({ timeout_ms: config.shutdown_timeout }, 'shutdown took too long; exiting');
        process.exit(1);
      }, config.shutdown_timeout + 1_000);
      force.unref();
      // Exit once stopped, without waiting for stray handles (a half-open socket) to drain.
      void daemon.stop().then(() => flushBounded(logger, 500, () => process.exit(0)));
    };
    // A background promise nobody awaited must not take the daemon (and its agents) down; it is a
    // bug to fix, so it is logged loudly with its stack.
    process.on('unhandledRejection', (reason) => {
      logger.error(
        { err: reason instanceof Error ? { message: reason.message, stack: reason.stack } : String(reason) },
        'unhandled rejection',
      );
    });
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    await daemon.start();
  });
}
