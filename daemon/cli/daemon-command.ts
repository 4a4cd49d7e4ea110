import type { Command } from 'commander';
import { addConfigFlags, type ConfigFlagValues, configFromFlags } from './config-flags.js';
import { examples } from './help.js';
import { runDaemon } from './run-daemon.js';

/** `aidos daemon`: runs until SIGTERM/SIGINT, then shuts down gracefully within shutdown_timeout. */
export function registerDaemonCommand(program: Command): void {
  const cmd = program
    .command('daemon')
    .description('run the aidos daemon (aidosd) in the foreground')
    .option('--no-migrate', 'do not apply migrations at start (only verify; not ready while any is pending)');
  examples(addConfigFlags(cmd, { server: true }), [
    'aidos daemon',
    'aidos daemon --config /etc/aidos/aidosd.yaml',
    'aidos daemon --data-dir ./data --listen 127.0.0.1:7421 --set log.level=debug',
  ]).action(async (flags: ConfigFlagValues & { migrate: boolean }) => {
    const config = configFromFlags(flags);
    if (!flags.migrate) config.store.migrate_on_start = false;
    await runDaemon(config);
  });
}
