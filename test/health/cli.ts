import { execFile } from 'node:child_process';
import { AIDOS_BIN } from '../helpers/daemon-process.js';

/** Runs `aidos health …` and resolves with its exit code and output. */
export function aidosHealth(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [AIDOS_BIN, 'health', ...args],
      { env: { ...process.env, AIDOS_URL: '', AIDOS_TOKEN: '', ...env }, timeout: 20_000 },
      (error, stdout, stderr) => {
        const code = error ? Number((error as { code?: number }).code ?? 99) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
