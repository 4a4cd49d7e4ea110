import { type Command, CommanderError } from 'commander';
import { ClientError } from '../../shared/client/errors.js';
import { errorMessage, exitCodeFor } from '../errors.js';
import { EXIT } from './exit-codes.js';
import { buildProgram } from './program.js';
import { WaitTimeoutError } from './task-wait.js';
import { UsageError } from './usage.js';

/** The exit code of a failed call to the daemon (see exit-codes.ts). */
export function exitForClientError(error: ClientError): number {
  if (error.unreachable) return EXIT.unreachable;
  if (error.status === 503 || error.wire?.code === 'unavailable') return EXIT.storeDown;
  if (error.status >= 400 && error.status < 500) return EXIT.rejected;
  return EXIT.internal;
}

/** Runs the CLI; every failure is one line on stderr and a meaningful exit code. */
export async function main(argv: string[]): Promise<void> {
  // `aidos task list | head` closes our stdout early; that is not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
  });
  const program = buildProgram();
  let running: Command = program;
  program.hook('preAction', (_root, action) => {
    running = action;
  });
  let settled = false;
  // A promise nothing can settle any more (a socket closed under a pending request on Node 20)
  // would end the process with code 13 and no output; say what happened instead.
  process.once('beforeExit', () => {
    if (settled) return;
    process.stderr.write('aidos: the daemon closed the connection without answering\n');
    process.exit(EXIT.unreachable);
  });
  try {
    await program.parseAsync(argv);
    settled = true;
  } catch (error) {
    settled = true;
    if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? 0 : EXIT.usage);
    if (error instanceof UsageError) {
      const path = commandPath(running);
      process.stderr.write(`error: ${error.message}\n(run "${path} --help" for usage)\n`);
      process.exit(EXIT.usage);
    }
    const code = error instanceof ClientError ? exitForClientError(error) : undefined;
    const prefix = code === EXIT.storeDown ? 'the daemon answered but its store is down: ' : '';
    process.stderr.write(`aidos: ${prefix}${errorMessage(error)}\n`);
    if (code !== undefined) process.exit(code);
    if (error instanceof WaitTimeoutError) process.exit(EXIT.waitTimeout);
    // A bug, or a reply no aidos daemon sends, must not pass for "the task failed" (1).
    if (error instanceof TypeError || error instanceof RangeError) process.exit(EXIT.internal);
    process.exit(exitCodeFor(error));
  }
}

function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}
