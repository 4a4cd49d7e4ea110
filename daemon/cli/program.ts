import { Command } from 'commander';
import { VERSION } from '../version.js';
import { registerDaemonCommand } from './daemon-command.js';
import { registerHealthCommand } from './health-command.js';
import { registerMigrateCommand } from './migrate-command.js';
import { registerNodeCommand } from './node-command.js';
import { registerTaskCommand } from './task-command.js';

/** The `aidos` command tree. */
export function buildProgram(): Command {
  const program = new Command('aidos')
    .description('AIDOS ops: supervise, cluster and check fleets of OpenClaw agents')
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)')
    // Set before subcommands are added: commander copies these settings into each at creation.
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  registerDaemonCommand(program);
  registerMigrateCommand(program);
  registerTaskCommand(program);
  registerHealthCommand(program);
  registerNodeCommand(program);
  return program;
}
