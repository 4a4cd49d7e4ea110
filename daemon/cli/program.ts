import { Command } from 'commander';
import { VERSION } from '../version.js';
import { registerChaosCommand } from './chaos-command.js';
import { registerCompletionCommand } from './completion-command.js';
import { registerConfigCommand } from './config-command.js';
import { registerDaemonCommand } from './daemon-command.js';
import { registerHealthCommand } from './health-command.js';
import { examples } from './help.js';
import { registerLogsCommand } from './logs-command.js';
import { registerMigrateCommand } from './migrate-command.js';
import { registerNodeCommand } from './node-command.js';
import { registerStatusCommand } from './status-command.js';
import { registerTaskCommand } from './task-command.js';
import { registerUpCommand } from './up-command.js';

/** The `aidos` command tree. */
export function buildProgram(): Command {
  const program = new Command('aidos')
    .description('AIDOS ops: supervise, cluster and check fleets of OpenClaw agents')
    .version(VERSION)
    .showSuggestionAfterError(true)
    // Set before subcommands are added: commander copies these settings into each at creation.
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  examples(program, [
    'aidos up',
    'aidos daemon --config /etc/aidos/aidosd.yaml',
    'aidos status',
    'aidos task submit -m "hello" --wait',
    'aidos logs -f',
    'aidos config check',
  ]);
  registerUpCommand(program);
  registerDaemonCommand(program);
  registerStatusCommand(program);
  registerMigrateCommand(program);
  registerTaskCommand(program);
  registerLogsCommand(program);
  registerHealthCommand(program);
  registerConfigCommand(program);
  registerCompletionCommand(program);
  registerChaosCommand(program);
  registerNodeCommand(program);
  helpHintsByPath(program);
  return program;
}

/** After a usage error commander finds, the hint names the command, as the CLI's own errors do. */
function helpHintsByPath(cmd: Command, path = 'aidos'): void {
  cmd.showHelpAfterError(`(run "${path} --help" for usage)`);
  for (const sub of cmd.commands) helpHintsByPath(sub, `${path} ${sub.name()}`);
}
