import type { Command } from 'commander';
import { type Config, coerceText, loadConfig } from '../config/load.js';
import { configSchema } from '../config/schema.js';
import { leafAtPath } from '../config/schema-walk.js';
import { AidosError } from '../errors.js';

/** Flags shared by every command that loads the daemon's configuration. */
export interface ConfigFlagValues {
  /** --config FILE */
  config?: string;
  /** --data-dir DIR */
  dataDir?: string;
  /** --db URL */
  db?: string;
  /** --listen HOST:PORT */
  listen?: string;
  /** --node-id ID */
  nodeId?: string;
  /** --join HOST:PORT,… (cluster seeds) */
  join?: string;
  /** --set key.path=value (repeatable) */
  set?: string[];
}

export function addConfigFlags(cmd: Command, options: { server?: boolean } = {}): Command {
  cmd
    .option('-c, --config <file>', 'YAML config file (env: AIDOS_CONFIG)')
    .option('--data-dir <dir>', 'data directory (SQLite file, logs, journals)')
    .option('--db <url>', 'store URL: postgres://… or sqlite:PATH (default: SQLite under the data dir)')
    .option(
      '--set <key=value>',
      'set any config key, e.g. --set tasks.lease=1m (repeatable)',
      (v: string, prev: string[] = []) => [...prev, v],
    );
  if (options.server) {
    cmd
      .option('--listen <host:port>', 'address to listen on (default 127.0.0.1:7420)')
      .option('--node-id <id>', 'this node’s id (default: hostname)')
      .option(
        '--join <host:port,…>',
        'join the cluster through these seeds (cluster.join; needs cluster.key)',
      );
  }
  return cmd;
}

/** Turns parsed flags into config: file < AIDOS_* env < --set < named flags. */
export function configFromFlags(flags: ConfigFlagValues, env: NodeJS.ProcessEnv = process.env): Config {
  const values: Record<string, unknown> = {};
  const flagNames: Record<string, string> = {};
  for (const pair of flags.set ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new AidosError('config', `--set ${pair}: expected key=value`, { field: '--set' });
    const key = pair.slice(0, eq);
    values[key] = coerceText(leafAtPath(configSchema, key.split('.')), pair.slice(eq + 1));
    flagNames[key] = `--set ${key}`;
  }
  const named: [keyof ConfigFlagValues, string, string][] = [
    ['dataDir', 'data_dir', '--data-dir'],
    ['db', 'store.url', '--db'],
    ['listen', 'listen', '--listen'],
    ['nodeId', 'node_id', '--node-id'],
  ];
  for (const [flag, key, name] of named) {
    if (flags[flag] === undefined) continue;
    values[key] = flags[flag];
    flagNames[key] = name;
  }
  if (flags.join !== undefined) {
    values['cluster.join'] = coerceText(leafAtPath(configSchema, ['cluster', 'join']), flags.join);
    flagNames['cluster.join'] = '--join';
  }
  return loadConfig({ ...(flags.config ? { file: flags.config } : {}), env, flags: values, flagNames });
}
