import { execa } from 'execa';
import { message } from '../errors.js';

/** What a command printed, or why it failed (stderr first, it names the problem). */
export interface CommandResult {
  /** Exit code 0. */
  ok: boolean;
  /** Its stdout. */
  stdout: string;
  /** Its stderr, or execa's message when it could not run. */
  error: string;
}

/** Runs a command as an argument array (no shell), with PATH as its only environment and a time limit. */
export async function runCommand(command: readonly string[], timeoutMs = 60_000): Promise<CommandResult> {
  const [file, ...args] = command as [string, ...string[]];
  try {
    const r = await execa(file, args, {
      env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin' },
      extendEnv: false,
      stdin: 'ignore',
      timeout: timeoutMs,
    });
    return { ok: true, stdout: r.stdout, error: '' };
  } catch (error) {
    const e = error as { stderr?: string; stdout?: string; shortMessage?: string };
    return { ok: false, stdout: e.stdout ?? '', error: e.stderr?.trim() || e.shortMessage || message(error) };
  }
}
