import { type ChildProcess, spawn } from 'node:child_process';
import type { ProcessTarget } from '../../chaos/faults/spec.js';
import { readStat } from '../../daemon/agents/proc.js';

/** Process targets a test can resolve without a daemon: only `{ pid }`. */
export async function pidTargets(target: ProcessTarget): Promise<number[]> {
  return 'pid' in target ? [target.pid] : [];
}

/** A real victim process that idles until killed. */
export function startVictim(): ChildProcess {
  return spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
}

/** The /proc state letter of a pid ('T' = stopped, 'Z' zombie), or 'gone'. */
export function procState(pid: number): string {
  return readStat(pid)?.state ?? 'gone';
}

/** True unless the pid is gone or a zombie. */
export function alive(pid: number): boolean {
  const s = procState(pid);
  return s !== 'gone' && s !== 'Z' && s !== 'X';
}
