import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { TuiConfig } from './tui-config.js';
import { TuiError } from './tui-error.js';

/** Which daemon to attach to, and how. */
export interface Target {
  /** Context name, or null when given by --url alone. */
  context: string | null;
  /** Daemon URLs to try, the preferred one first. */
  urls: string[];
  /** API token, when needed. */
  token?: string;
}

/** What the command line says about the target. */
export interface TargetFlags {
  /** --url. */
  url?: string;
  /** --token. */
  token?: string;
  /** --context. */
  context?: string;
}

const DEFAULT_URL = 'http://127.0.0.1:7420';

function readToken(file: string, field: string): string {
  const path = file.startsWith('~/') ? join(homedir(), file.slice(2)) : file;
  try {
    const token = readFileSync(path, 'utf8').split('\n')[0]?.trim();
    if (!token) throw new TuiError(`${field}: ${path} is empty`, { field });
    return token;
  } catch (cause) {
    if (cause instanceof TuiError) throw cause;
    throw new TuiError(`${field}: cannot read ${path}: ${(cause as Error).message}`, { field, cause });
  }
}

/** Resolves one named context of the config. */
export function contextTarget(config: TuiConfig, name: string): Target {
  const ctx = config.contexts?.[name];
  if (!ctx) {
    const known = Object.keys(config.contexts ?? {});
    throw new TuiError(
      `context "${name}" is not in the config (known: ${known.length ? known.join(', ') : 'none'})`,
      { field: 'context' },
    );
  }
  const token =
    ctx.token ?? (ctx.token_file ? readToken(ctx.token_file, `contexts.${name}.token_file`) : undefined);
  return { context: name, urls: [ctx.url, ...(ctx.members ?? [])], ...(token ? { token } : {}) };
}

/** Flags first (--url, --context), then the config's current_context, then $AIDOS_URL, then loopback. */
export function resolveTarget(
  config: TuiConfig,
  flags: TargetFlags,
  env: NodeJS.ProcessEnv = process.env,
): Target {
  if (flags.url !== undefined && !/^(https?|wss?):\/\/[^/]+/.test(flags.url))
    throw new TuiError(`--url: "${flags.url}" is not an http:// or ws:// URL`, { field: '--url' });
  const name = flags.url === undefined ? (flags.context ?? config.current_context) : flags.context;
  const base: Target = name
    ? contextTarget(config, name)
    : { context: null, urls: [env.AIDOS_URL ?? DEFAULT_URL] };
  const urls = flags.url === undefined ? base.urls : [flags.url];
  const token = flags.token ?? base.token ?? env.AIDOS_TOKEN;
  return { context: base.context, urls, ...(token ? { token } : {}) };
}
