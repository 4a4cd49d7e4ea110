import { type Command, InvalidArgumentError } from 'commander';
import type { ClientOptions } from '../../shared/client/http-client.js';

/** --url / --token shared by every command that talks to a running daemon. */
export interface ClientFlagValues {
  /** Daemon base URL. */
  url?: string;
  /** API token. */
  token?: string;
  /** Print JSON. */
  json?: boolean;
}

export function addClientFlags(cmd: Command): Command {
  return cmd
    .option('--url <url>', 'daemon URL (env AIDOS_URL, default http://127.0.0.1:7420)')
    .option('--token <token>', 'API token (env AIDOS_TOKEN)')
    .option('--json', 'print JSON');
}

export function clientOptions(flags: ClientFlagValues, env: NodeJS.ProcessEnv = process.env): ClientOptions {
  const url = flags.url ?? env.AIDOS_URL ?? 'http://127.0.0.1:7420';
  if (!/^https?:\/\/[^/]+/.test(url)) throw new InvalidArgumentError(`--url: "${url}" is not an http:// URL`);
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

/** A commander argument parser for positive numbers (seconds). */
export function positiveArg(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${flag} must be a positive number`);
    return n;
  };
}
