import { composeDaemon } from '../compose.js';
import type { Config } from '../config/load.js';
import { flushBounded } from '../log/destination.js';
import { createLogger } from '../log/logger.js';
import { wantsPretty } from '../log/pretty-format.js';
import { ensureWritableDir } from '../util/writable-dir.js';

/**
 * Runs the daemon in this process until SIGTERM/SIGINT, then shuts down gracefully within
 * shutdown_timeout and exits. Resolves once it has started (`aidos up` then says how to attach).
 */
export async function runDaemon(config: Config): Promise<void> {
  ensureWritableDir(config.data_dir, 'data_dir');
  const logger = createLogger(
    config.log.level,
    config.node_id,
    // Loaded only when used: every other command starts faster without pino-pretty.
    wantsPretty(config.log.format, Boolean(process.stdout.isTTY))
      ? (await import('../log/pretty.js')).prettyDestination()
      : undefined,
  );
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
}
