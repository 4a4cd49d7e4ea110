import { Command, CommanderError } from 'commander';
import { TuiError } from '../config/tui-error.js';
import { MAIN_VIEWS, type ViewName } from '../keys/actions.js';

/** The command line of aidos-tui. */
export interface TuiArgs {
  /** --url: a daemon to attach to (overrides the context's URL). */
  url?: string;
  /** --token: API token. */
  token?: string;
  /** --context: a context of the config file. */
  context?: string;
  /** --readonly: hide every dangerous action. */
  readonly: boolean;
  /** --config: config file instead of the XDG one. */
  config?: string;
  /** --view: first view. */
  view: ViewName;
}

/** Parses argv (without node and the script); `--help` prints and exits 0. */
export function parseArgs(argv: string[]): TuiArgs {
  const program = new Command('aidos-tui')
    .description('Terminal UI for an AIDOS fleet: attach to any daemon, watch and steer it.')
    .option('--url <url>', 'daemon URL, ws:// or http:// (env AIDOS_URL, default http://127.0.0.1:7420)')
    .option('--token <token>', 'API token (env AIDOS_TOKEN)')
    .option('--context <name>', 'a context of the config file (several clusters, :ctx switches)')
    .option('--config <path>', 'config file (default $XDG_CONFIG_HOME/aidos/tui.yaml)')
    .option('--readonly', 'hide every action that changes the fleet', false)
    .option('--view <name>', `first view: ${MAIN_VIEWS.join(', ')}`, 'tasks')
    .exitOverride()
    .configureOutput({ writeErr: () => {}, writeOut: (s) => process.stdout.write(s) });
  try {
    program.parse(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError && error.code === 'commander.helpDisplayed') process.exit(0);
    throw new TuiError((error as Error).message.replace(/^error: /, ''), { cause: error });
  }
  const o = program.opts<{
    url?: string;
    token?: string;
    context?: string;
    config?: string;
    readonly: boolean;
    view: string;
  }>();
  if (!MAIN_VIEWS.includes(o.view as ViewName))
    throw new TuiError(`--view: "${o.view}" is not a view (${MAIN_VIEWS.join(', ')})`, { field: '--view' });
  return {
    ...(o.url !== undefined ? { url: o.url } : {}),
    ...(o.token !== undefined ? { token: o.token } : {}),
    ...(o.context !== undefined ? { context: o.context } : {}),
    ...(o.config !== undefined ? { config: o.config } : {}),
    readonly: o.readonly,
    view: o.view as ViewName,
  };
}
