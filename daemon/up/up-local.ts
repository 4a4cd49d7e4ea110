import { join } from 'node:path';
import { runDaemon } from '../cli/run-daemon.js';
import type { Config } from '../config/load.js';
import { AidosError } from '../errors.js';
import { attachHint } from './attach.js';
import { startChildDaemon } from './child-daemon.js';
import { probeDaemon } from './probe.js';
import { baseUrl, duringStartUp, tuiSession } from './session.js';

/** How `aidos up` (without --demo) runs. */
export interface UpLocalOptions {
  /** The daemon's configuration (already validated). */
  config: Config;
  /** The arguments that give an `aidos daemon` child the same configuration. */
  daemonArgs: string[];
  /** stdin and stdout are a terminal: open the TUI; else run the daemon in the foreground. */
  terminal: boolean;
}

/**
 * Starts the daemon of `config` unless one already listens there, then either opens the TUI on it
 * (and stops the daemon it started when the TUI quits) or, without a terminal, runs it in this
 * process and says how to attach. Resolves with the exit code; in the foreground case the daemon's
 * own signal handling ends the process.
 */
export async function upLocal(options: UpLocalOptions): Promise<number | undefined> {
  const { config } = options;
  const url = baseUrl(config.listen.host, config.listen.port);
  const found = await probeDaemon(url);
  if (found === 'other')
    throw new AidosError(
      'config',
      `listen: ${config.listen.host}:${config.listen.port} is in use by something that is not an aidos daemon`,
      { field: 'listen' },
    );
  if (found === 'aidos') {
    if (!options.terminal) {
      process.stderr.write(`aidos up: a daemon is already running at ${url}; not starting another\n`);
      process.stderr.write(attachHint(url));
      return 1;
    }
    process.stderr.write(`aidos up: attaching to the daemon already running at ${url} (it keeps running)\n`);
    return tuiSession(url);
  }
  if (!options.terminal) {
    await runDaemon(config);
    process.stderr.write(attachHint(url));
    return undefined;
  }
  process.stderr.write(`aidos up: starting a daemon at ${url} (data: ${config.data_dir})\n`);
  const daemon = await duringStartUp(() =>
    startChildDaemon({
      args: options.daemonArgs,
      url,
      logFile: join(config.data_dir, 'aidos-up.log'),
      readyTimeoutMs: 60_000,
    }),
  );
  const code = await tuiSession(url);
  const stopped = await daemon.stop(config.shutdown_timeout + 2_000);
  process.stderr.write(
    `aidos up: stopped the daemon it started (exit ${stopped ?? 'signal'}; log: ${daemon.logFile})\n`,
  );
  return code;
}
