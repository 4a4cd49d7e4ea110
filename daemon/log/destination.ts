import type pino from 'pino';
import sonicBoom, { type SonicBoom } from 'sonic-boom';

// The package is CommonJS (`module.exports = SonicBoom`): its types describe the default export as
// the module, so the constructor is taken from it by hand.
const SonicBoomClass = sonicBoom as unknown as typeof SonicBoom;

/** Largest backlog of log output held in memory while stdout does not take it (a stuck journald pipe). */
export const LOG_BUFFER_BYTES = 4 * 1024 * 1024;

const dropped = { lines: 0 };

/** Log lines dropped since start because stdout did not keep up and the buffer was full. */
export function droppedLogLines(): number {
  return dropped.lines;
}

/**
 * Stdout as an asynchronous destination with a bounded buffer: when the reader stops (a stuck
 * journald pipe), lines past LOG_BUFFER_BYTES are dropped and counted instead of growing memory.
 * Unlike pino.destination() it is not flushed synchronously at exit, which spins forever on a
 * pipe nobody reads: neither the shutdown budget nor a second signal could end the process.
 */
export function stdoutDestination(): pino.DestinationStream {
  const stream = new SonicBoomClass({ fd: 1, sync: false, maxLength: LOG_BUFFER_BYTES });
  stream.on('drop', () => {
    dropped.lines += 1;
  });
  // A closed stdout (EPIPE) must not take the daemon down; there is nowhere left to say so.
  stream.on('error', () => {});
  return stream;
}

/** Flushes what stdout takes within `ms`, then calls `done` either way. */
export function flushBounded(logger: pino.Logger, ms: number, done: () => void): void {
  let called = false;
  const finish = () => {
    if (called) return;
    called = true;
    done();
  };
  setTimeout(finish, ms).unref();
  try {
    logger.flush(() => finish());
  } catch {
    finish();
  }
}
