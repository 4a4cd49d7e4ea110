import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { isRunning, readStat } from '../../daemon/agents/proc.js';
import { ChaosError } from '../errors.js';

// setpriv's parent-death signal kills a stress helper with its host, so a SIGKILLed daemon never
// leaves a CPU burner or a memory hog behind (the journal is the second line for pid reuse-safe cleanup).
const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p));

/** A node process running `script`, started and ready (it prints "ready"). */
export interface Helper {
  /** Its pid. */
  pid: number;
  /** Its /proc start time. */
  startTime: number;
  /** SIGKILL and wait for the exit. */
  stop(): Promise<void>;
}

/** Starts `node -e script` with argument arrays (no shell) and waits until it prints "ready". */
export async function startHelper(script: string, what: string, readyTimeoutMs = 15_000): Promise<Helper> {
  const args = ['-e', script];
  const child: ChildProcess = SETPRIV
    ? spawn(SETPRIV, ['--pdeathsig', 'KILL', '--', process.execPath, ...args], {
        stdio: ['ignore', 'pipe', 'ignore'],
        env: {},
      })
    : spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'ignore'], env: {} });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('not ready in time')), readyTimeoutMs);
      child.stdout?.on('data', (d: Buffer) => {
        if (d.toString().includes('ready')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`exited early (${signal ?? code})`));
      });
    });
  } catch (cause) {
    child.kill('SIGKILL');
    throw new ChaosError('inject', `${what}: helper process failed: ${(cause as Error).message}`, { cause });
  }
  const pid = child.pid as number;
  const stat = readStat(pid);
  return {
    pid,
    startTime: stat?.startTime ?? 0,
    stop: async () => {
      if (isRunning(readStat(pid))) child.kill('SIGKILL');
      await exited;
    },
  };
}
