import { join } from 'node:path';
import type { Command } from 'commander';
import { upDemo } from '../up/up-demo.js';
import { upLocal } from '../up/up-local.js';
import { addConfigFlags, type ConfigFlagValues, configFromFlags } from './config-flags.js';
import { examples } from './help.js';
import { UsageError } from './usage.js';

/** Flags of `aidos up`. */
type UpFlags = ConfigFlagValues & { demo: boolean };

/** The `aidos daemon` arguments that give the child the configuration these flags give up. */
function daemonArgs(flags: UpFlags, dataDir: string): string[] {
  const args = ['--data-dir', dataDir];
  if (flags.config) args.push('--config', flags.config);
  if (flags.db) args.push('--db', flags.db);
  if (flags.listen) args.push('--listen', flags.listen);
  if (flags.nodeId) args.push('--node-id', flags.nodeId);
  if (flags.join) args.push('--join', flags.join);
  for (const s of flags.set ?? []) args.push('--set', s);
  return args;
}

/** `aidos up`: a local daemon and the TUI on it, in one command (the README's run command). */
export function registerUpCommand(program: Command): void {
  const cmd = program
    .command('up')
    .description(
      'start a local daemon (SQLite) and open aidos-tui on it; quitting stops it. Without a terminal, runs the daemon in the foreground',
    )
    .option('--demo', 'a three-node local cluster with stand-in agents and a steady trickle of tasks', false);
  examples(addConfigFlags(cmd, { server: true }), [
    'aidos up',
    'aidos up --demo',
    'aidos up --data-dir ./data --listen 127.0.0.1:7421',
    'aidos up | cat     # no terminal: the daemon in the foreground',
  ]).action(async (flags: UpFlags) => {
    const terminal = Boolean(process.stdin.isTTY && process.stdout.isTTY);
    const config = configFromFlags(flags);
    let code: number | undefined;
    if (flags.demo) {
      const own = (['config', 'db', 'join', 'nodeId'] as const).find((f) => flags[f] !== undefined);
      if (own) throw new UsageError(`--demo runs its own cluster config; drop --${own.replace('Id', '-id')}`);
      code = await upDemo({
        host: config.listen.host,
        port: config.listen.port,
        dir: join(config.data_dir, 'demo'),
        terminal,
        trickleMs: 1_500,
      });
    } else code = await upLocal({ config, daemonArgs: daemonArgs(flags, config.data_dir), terminal });
    // undefined: the daemon runs in this process and exits on its signal.
    if (code !== undefined) process.exit(code);
  });
}
