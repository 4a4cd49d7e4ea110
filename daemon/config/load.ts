import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { createSecureContext } from 'node:tls';
import YAML from 'yaml';
import type { z } from 'zod';
import { formatDuration } from '../../shared/duration.js';
import { AidosError } from '../errors.js';
import { keyAsSet, leafPaths, type Provenance, userSet } from './provenance.js';
import { configSchema, type ParsedConfig, type RawConfig } from './schema.js';
import { baseType, leafAtPath, pathForEnvName } from './schema-walk.js';
import { isLoopbackHost } from './units.js';

/** The validated configuration with every default and secret resolved. */
export type Config = ParsedConfig & {
  /** Absolute data directory (SQLite file, logs, journals). */
  data_dir: string;
  /** Store URL: sqlite:PATH or postgres://… */
  store: ParsedConfig['store'] & { url: string };
  /** Where the config came from, for logs. */
  source: { file?: string };
  /** The certificate and key read from tls.cert_file / tls.key_file (absent: plain HTTP). */
  tls: ParsedConfig['tls'] & { pem?: { cert: string; key: string } };
  /** Where each key the user set came from (file, env, flag); the rest are defaults. */
  provenance: Provenance;
};

/** Where a configuration comes from; later sources win: file < env < flags. */
export interface ConfigSources {
  /** Path of a YAML file (--config / AIDOS_CONFIG). */
  file?: string;
  /** Environment to read AIDOS_* keys from. */
  env?: NodeJS.ProcessEnv;
  /** Values from CLI flags, keyed by dotted config path. */
  flags?: Record<string, unknown>;
  /** The flag each `flags` key was given with (`--data-dir`, `--set tasks.lease`), for messages. */
  flagNames?: Record<string, string>;
}

const ENV_PREFIX = 'AIDOS_';
/** Environment variables with this prefix that are not config keys. */
const NOT_CONFIG_ENV = new Set(['AIDOS_CONFIG', 'AIDOS_URL', 'AIDOS_TOKEN']);

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1] as string] = value;
}

/** Reads a text value (env var or --set) as the type its key wants. */
export function coerceText(leaf: z.ZodType | undefined, text: string): unknown {
  const type = leaf ? baseType(leaf) : 'unknown';
  if (type === 'string' || type === 'enum') return text;
  if (type === 'array' && !text.trim().startsWith('[')) {
    return text
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  }
  try {
    return YAML.parse(text);
  } catch {
    return text;
  }
}

function readFileConfig(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new AidosError('config', `config file ${file}: cannot be read (${(cause as Error).message})`, {
      cause,
    });
  }
  let doc: unknown;
  try {
    doc = YAML.parse(text) ?? {};
  } catch (cause) {
    throw new AidosError(
      'config',
      `config file ${file}: not valid YAML (${(cause as Error).message.split('\n')[0]})`,
      {
        cause,
      },
    );
  }
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new AidosError('config', `config file ${file}: must be a mapping of keys to values`);
  }
  return doc as Record<string, unknown>;
}

function applyEnv(raw: Record<string, unknown>, env: NodeJS.ProcessEnv, provenance: Provenance): void {
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || NOT_CONFIG_ENV.has(name) || name.startsWith('AIDOS_TEST_')) continue;
    if (value === undefined) continue;
    const found = pathForEnvName(configSchema, name.slice(ENV_PREFIX.length).toLowerCase());
    if (!found) {
      throw new AidosError('config', `${name}: not a configuration key (see docs/config.md)`, {
        field: name,
      });
    }
    setPath(raw, found.path, coerceText(found.leaf, value));
    provenance[found.path.join('.')] = { source: 'env', name };
  }
}

function readSecret(file: string, key: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (cause) {
    throw new AidosError('config', `${key}: cannot read ${file} (${(cause as Error).message})`, {
      field: key,
      cause,
    });
  }
}

export function defaultDataDir(env: NodeJS.ProcessEnv): string {
  if (env.STATE_DIRECTORY) return env.STATE_DIRECTORY.split(':')[0] as string;
  const stateHome = env.XDG_STATE_HOME || join(homedir(), '.local', 'state');
  return join(stateHome, 'aidos');
}

function formatIssue(issue: z.core.$ZodIssue, provenance: Provenance): { path: string; message: string } {
  const path = issue.path.map(String).join('.') || '(root)';
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((k) => [...issue.path.map(String), k].join('.'));
    return {
      path: keys[0] as string,
      message: `unknown key${keys.length > 1 ? 's' : ''} ${keys.map((k) => keyAsSet(provenance, k)).join(', ')}`,
    };
  }
  return { path, message: `${keyAsSet(provenance, path)}: ${issue.message}` };
}

/** Loads, merges and validates configuration; throws AidosError('config') naming the key. */
export function loadConfig(sources: ConfigSources = {}): Config {
  const env = sources.env ?? process.env;
  const file = sources.file ?? env.AIDOS_CONFIG;
  const raw: Record<string, unknown> = file ? readFileConfig(file) : {};
  const provenance: Provenance = {};
  if (file) for (const path of leafPaths(raw)) provenance[path] = { source: 'file', file };
  applyEnv(raw, env, provenance);
  for (const [key, value] of Object.entries(sources.flags ?? {})) {
    if (value === undefined) continue;
    const path = key.split('.');
    if (!leafAtPath(configSchema, path)) {
      throw new AidosError('config', `${key}: not a configuration key (see docs/config.md)`, { field: key });
    }
    setPath(raw, path, value);
    provenance[key] = { source: 'flag', flag: sources.flagNames?.[key] ?? `--set ${key}` };
  }
  const parsed = configSchema.safeParse(raw as RawConfig);
  if (!parsed.success) {
    const issue = formatIssue(parsed.error.issues[0] as z.core.$ZodIssue, provenance);
    throw new AidosError('config', `invalid config: ${issue.message}`, { field: issue.path });
  }
  const cfg = parsed.data;
  if (cfg.api.token_file)
    cfg.api.tokens = [
      ...cfg.api.tokens,
      ...readSecret(cfg.api.token_file, 'api.token_file').split(/\r?\n/).filter(Boolean),
    ];
  if (cfg.cluster.key_file) cfg.cluster.key = readSecret(cfg.cluster.key_file, 'cluster.key_file');
  let pem: { cert: string; key: string } | undefined;
  if (cfg.tls.cert_file && cfg.tls.key_file) {
    pem = {
      cert: readSecret(cfg.tls.cert_file, 'tls.cert_file'),
      key: readSecret(cfg.tls.key_file, 'tls.key_file'),
    };
    try {
      createSecureContext(pem); // a bad PEM or a key of another certificate fails here, not at listen
    } catch (cause) {
      throw new AidosError('config', `invalid config: tls.cert_file: ${(cause as Error).message}`, {
        field: 'tls.cert_file',
        cause,
      });
    }
  }
  if (cfg.cluster.key !== undefined && cfg.cluster.key.length < 32) {
    throw new AidosError('config', 'invalid config: cluster.key_file: key must be at least 32 characters', {
      field: 'cluster.key_file',
    });
  }
  if (!isLoopbackHost(cfg.listen.host) && (!cfg.cluster.key || cfg.api.tokens.length === 0)) {
    throw new AidosError(
      'config',
      `invalid config: listen: refusing to listen on ${cfg.listen.host} beyond loopback without cluster.key and an api token`,
      { field: 'listen' },
    );
  }
  const profiles = Object.keys(cfg.agents.profiles);
  // The built-in profiles: `openclaw` (a process per task) and `openclaw-gateway` (turns on the gateways).
  const builtIn = ['openclaw', 'openclaw-gateway'];
  if (!builtIn.includes(cfg.agents.default_profile) && !profiles.includes(cfg.agents.default_profile)) {
    throw new AidosError(
      'config',
      `invalid config: agents.default_profile: no profile named "${cfg.agents.default_profile}"`,
      {
        field: 'agents.default_profile',
      },
    );
  }
  const canary = cfg.health.canary_profile;
  if (canary && !builtIn.includes(canary) && !profiles.includes(canary)) {
    throw new AidosError('config', `invalid config: health.canary_profile: no profile named "${canary}"`, {
      field: 'health.canary_profile',
    });
  }
  if (cfg.tasks.renew_every >= cfg.tasks.lease) {
    // Blame the key the user set: a short lease alone must not be reported as a bad renew_every.
    const blamed = userSet(provenance, 'tasks.lease') && !userSet(provenance, 'tasks.renew_every');
    const message = blamed
      ? `${keyAsSet(provenance, 'tasks.lease')}: must be longer than tasks.renew_every (${formatDuration(cfg.tasks.renew_every)})`
      : `${keyAsSet(provenance, 'tasks.renew_every')}: must be shorter than tasks.lease (${formatDuration(cfg.tasks.lease)})`;
    throw new AidosError('config', `invalid config: ${message}`, {
      field: blamed ? 'tasks.lease' : 'tasks.renew_every',
    });
  }
  const guard = cfg.tasks.guard_after;
  if (guard !== undefined && (guard >= cfg.tasks.lease || guard <= cfg.tasks.renew_every)) {
    throw new AidosError(
      'config',
      'invalid config: tasks.guard_after: must be longer than tasks.renew_every and shorter than tasks.lease',
      { field: 'tasks.guard_after' },
    );
  }
  const dataDir = resolve(cfg.data_dir ?? defaultDataDir(env));
  const url = cfg.store.url ?? `sqlite:${join(dataDir, 'aidos.db')}`;
  return {
    ...cfg,
    data_dir: dataDir,
    store: { ...cfg.store, url },
    source: file ? { file } : {},
    provenance,
    tls: { ...cfg.tls, ...(pem ? { pem } : {}) },
  };
}
