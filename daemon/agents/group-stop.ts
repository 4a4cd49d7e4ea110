import type { Clock } from './clock.js';
import { signalGroup, signalPids } from './kill.js';
import { processTree } from './proc.js';

/**
 * Stops a child we still hold: TERM its group, KILL after `graceMs` if `exited` has not
 * settled, then KILL whatever of its tree is left.
 */
export async function stopGroup(
  pid: number,
  startTime: number,
  exited: Promise<unknown>,
  graceMs: number,
  clock: Clock,
): Promise<void> {
  signalGroup(pid, 'SIGTERM');
  let timer: unknown;
  const graceOver = new Promise<'grace'>((resolve) => {
    timer = clock.setTimer(() => resolve('grace'), graceMs);
  });
  if ((await Promise.race([exited.then(() => 'exited' as const), graceOver])) === 'grace') {
    signalGroup(pid, 'SIGKILL');
    await exited;
  }
  clock.clearTimer(timer);
  const leftovers = processTree(pid, startTime);
  if (leftovers.length > 0) {
    signalGroup(pid, 'SIGKILL');
    signalPids(
      leftovers.map((p) => p.pid),
      'SIGKILL',
    );
  }
}
