import { type Command, InvalidArgumentError } from 'commander';
import type { ClientOptions } from '../../shared/client/http-client.js';
import { DurationError, parseDuration } from '../../shared/duration.js';
import { UsageError } from './usage.js';

/** --url / --token shared by every command that talks to a running daemon. */
export interface ClientFlagValues {
  /** Daemon base URL. */
  url?: string;
  /** API token. */
  token?: string;
  /** Print JSON. */
  json?: boolean;
}

const URL_PATTERN = /^https?:\/\/[^/]+/;

function urlProblem(url: string): string | undefined {
  return URL_PATTERN.test(url) ? undefined : `"${url}" is not an http:// URL (e.g. http://127.0.0.1:7420)`;
}

export function addClientFlags(cmd: Command): Command {
  return cmd
    .option('--url <url>', 'daemon URL (env AIDOS_URL, default http://127.0.0.1:7420)', (value: string) => {
      const problem = urlProblem(value);
      if (problem) throw new InvalidArgumentError(`--url: ${problem}`);
      return value;
    })
    .option('--token <token>', 'API token (env AIDOS_TOKEN)')
    .option('--json', 'print JSON');
}

export function clientOptions(flags: ClientFlagValues, env: NodeJS.ProcessEnv = process.env): ClientOptions {
  const url = flags.url ?? env.AIDOS_URL ?? 'http://127.0.0.1:7420';
  const problem = urlProblem(url);
  if (problem) throw new UsageError(`${flags.url ? '--url' : 'AIDOS_URL'}: ${problem}`);
  const token = flags.token ?? env.AIDOS_TOKEN;
  return { url, ...(token ? { token } : {}) };
}

/** A commander argument parser for integers in a range, naming the flag in its error. */
export function intArg(flag: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(`${flag} must be an integer from ${min} to ${max}`);
    return n;
  };
}

/** A commander argument parser for durations (shared/duration.ts rule), as milliseconds above zero. */
export function durationArg(flag: string) {
  return (value: string): number => {
    let ms: number;
    try {
      ms = parseDuration(value);
    } catch (error) {
      if (error instanceof DurationError) throw new InvalidArgumentError(`${flag}: ${error.message}`);
      throw error;
    }
    if (ms <= 0) throw new InvalidArgumentError(`${flag}: must be longer than 0`);
    return ms;
  };
}
