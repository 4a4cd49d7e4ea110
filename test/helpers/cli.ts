import { spawn } from 'node:child_process';
import { AIDOS_BIN } from './daemon-process.js';

/** What a finished `aidos …` run left behind. */
export interface CliResult {
  /** Exit code (null if killed by a signal). */
  code: number | null;
  /** Everything on stdout. */
  stdout: string;
  /** Everything on stderr. */
  stderr: string;
}

/** Runs the built `aidos` CLI with args; SIGKILLed after `timeoutMs` so a hang cannot stall the suite. */
export function runAidos(
  args: string[],
  env: Record<string, string> = {},
  timeoutMs = 30_000,
  input?: string,
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [AIDOS_BIN, ...args], {
      stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    if (input !== undefined) child.stdin?.end(input);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
