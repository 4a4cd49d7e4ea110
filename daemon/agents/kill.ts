import type { Clock } from './clock.js';
import { processTree } from './proc.js';

/** Sends `signal` to a process group; a group that is already gone is not an error. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

/** Signals single pids (members that left the group); missing pids are skipped. */
export function signalPids(pids: number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // Gone already, which is what we want.
    }
  }
}

/** Polls until the tree of `rootPid` is empty or `timeoutMs` passes; true when empty. */
export function waitTreeGone(
  rootPid: number,
  startTime: number,
  timeoutMs: number,
  clock: Clock,
  pollMs = 50,
): Promise<boolean> {
  const deadline = clock.now() + timeoutMs;
  return new Promise((resolve) => {
    const check = (): void => {
      if (processTree(rootPid, startTime).length === 0) resolve(true);
      else if (clock.now() >= deadline) resolve(false);
      else clock.setTimer(check, pollMs);
    };
    check();
  });
}

/**
 * TERM the whole tree, give it `graceMs` to exit, then KILL what is left. Used where
 * no child handle exists (reaping survivors, services on stop).
 */
export async function terminateTree(
  rootPid: number,
  startTime: number,
  graceMs: number,
  clock: Clock,
): Promise<void> {
  const tree = processTree(rootPid, startTime);
  if (tree.length === 0) return;
  signalGroup(rootPid, 'SIGTERM');
  signalPids(
    tree.filter((p) => p.pgrp !== rootPid).map((p) => p.pid),
    'SIGTERM',
  );
  if (await waitTreeGone(rootPid, startTime, graceMs, clock)) return;
  signalGroup(rootPid, 'SIGKILL');
  signalPids(
    processTree(rootPid, startTime).map((p) => p.pid),
    'SIGKILL',
  );
  await waitTreeGone(rootPid, startTime, 2_000, clock);
}
