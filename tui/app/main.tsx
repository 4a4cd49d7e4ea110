import { render } from 'ink';
import { parseArgs } from '../cli/parse-args.js';
import { configPath, loadConfig } from '../config/load-config.js';
import { resolveTarget } from '../config/resolve-target.js';
import { TuiError } from '../config/tui-error.js';
import { FleetConnection } from '../fleet/connection.js';
import { buildKeymap } from '../keys/keymap.js';
import { App } from './App.js';
import { enterAltScreen } from './alt-screen.js';
import { contextSwitcher } from './context-switcher.js';
import { installFastOutput } from './fast-output.js';
import { RENDER_OPTIONS } from './render-options.js';
import { themeFor } from './theme.js';

/** Exit code for a bad flag, config file or context (nothing was started). */
export const EXIT_USAGE = 2;

/** Runs aidos-tui until the user quits; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  let leave = () => {};
  try {
    const args = parseArgs(argv);
    const config = loadConfig(args.config ?? configPath());
    const keymap = buildKeymap(config.keys ?? {}, { readonly: args.readonly });
    const target = resolveTarget(config, args);
    if (!process.stdin.isTTY || !process.stdout.isTTY)
      throw new TuiError(
        'aidos-tui needs a terminal (stdin and stdout must be a TTY); use the aidos CLI in scripts',
      );
    const connection = new FleetConnection({
      urls: target.urls,
      ...(target.token ? { token: target.token } : {}),
    });
    const contexts = contextSwitcher(config, connection, target.context);
    const theme = themeFor();
    const tree = (
      <App
        connection={connection}
        keymap={keymap}
        theme={theme}
        readonly={args.readonly}
        contexts={contexts}
        initialView={args.view}
      />
    );
    leave = enterAltScreen();
    for (const signal of ['SIGTERM', 'SIGHUP'] as const)
      process.once(signal, () => {
        connection.stop();
        leave();
        process.exit(0);
      });
    process.once('uncaughtException', (error) => {
      connection.stop();
      leave();
      process.stderr.write(`aidos-tui: ${error.stack ?? error.message}\n`);
      process.exit(1);
    });
    await installFastOutput();
    connection.start();
    const instance = render(tree, RENDER_OPTIONS);
    await instance.waitUntilExit();
    connection.stop();
    leave();
    return 0;
  } catch (error) {
    leave();
    process.stderr.write(`aidos-tui: ${(error as Error).message}\n`);
    return error instanceof TuiError ? EXIT_USAGE : 1;
  }
}
