import { type CliResult, runAidos } from '../helpers/cli.js';

/** Runs `aidos health …` with no AIDOS_URL/AIDOS_TOKEN from the outer environment. */
export function aidosHealth(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return runAidos(['health', ...args], { AIDOS_URL: '', AIDOS_TOKEN: '', ...env }, 20_000);
}
