import type pino from 'pino';
import pretty from 'pino-pretty';

/**
 * Human-readable lines for a person at a terminal (`10:04:05.123 INFO: aidosd started` with the
 * fields below), coloured unless NO_COLOR is set or the output is not a terminal. Journald and
 * collectors get JSON lines instead (format auto on a pipe).
 */
export function prettyDestination(
  env: NodeJS.ProcessEnv = process.env,
  stdoutIsTty = Boolean(process.stdout.isTTY),
): pino.DestinationStream {
  return pretty({
    destination: 1,
    // Synchronous, so the last lines before exit are on the screen (a terminal is not a hot path).
    sync: true,
    colorize: stdoutIsTty && env.NO_COLOR === undefined,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,node',
    singleLine: true,
    // err is one key among others here (a message string, or an object printed inline).
    errorLikeObjectKeys: [],
  });
}
