import { Command } from 'commander';
import { VERSION } from '../version.js';
import { registerDaemonCommand } from './daemon-command.js';
import { registerMigrateCommand } from './migrate-command.js';

/** The `aidos` command tree. */
export function buildProgram(): Command {
  const program = new Command('aidos')
    .description('AIDOS ops: supervise, cluster and check fleets of OpenClaw agents')
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)');
  registerDaemonCommand(program);
  registerMigrateCommand(program);
  return program;
}
