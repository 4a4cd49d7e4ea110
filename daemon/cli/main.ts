import { CommanderError } from 'commander';
import { errorMessage, exitCodeFor } from '../errors.js';
import { buildProgram } from './program.js';

/** sysexits.h EX_USAGE: wrong command-line arguments. */
const EXIT_USAGE = 64;

/** Runs the CLI; every failure is one line on stderr and a meaningful exit code. */
export async function main(argv: string[]): Promise<void> {
  // `aidos task list | head` closes our stdout early; that is not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
  });
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exit(error.exitCode === 0 ? 0 : EXIT_USAGE);
    }
    process.stderr.write(`aidos: ${errorMessage(error)}\n`);
    process.exit(exitCodeFor(error));
  }
}
