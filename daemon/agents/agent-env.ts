/**
 * What an agent may see of the daemon's environment. An agent runs a model with tools, so
 * anything in its environment can end up in its output: it gets an allow-list, never the
 * daemon's whole environment (API tokens, the cluster key, PGPASSWORD, AIDOS_* configuration).
 */
const SAFE_NAMES = new Set([
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'SHELL',
  'LANG',
  'LANGUAGE',
  'TZ',
  'TERM',
  'NO_COLOR',
  'FORCE_COLOR',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'NODE_EXTRA_CA_CERTS',
]);

/** Locale settings, and OpenClaw's own configuration (its state folder, profile), which is the agent's. */
const SAFE_PREFIXES = ['LC_', 'OPENCLAW_'];

/** The daemon's configuration prefix: never handed to an agent, not even when named in pass_env. */
export const DAEMON_ENV_PREFIX = 'AIDOS_';

/** True for a variable every agent gets from the daemon's environment without being named. */
export function isSafeBaseVariable(name: string): boolean {
  return SAFE_NAMES.has(name) || SAFE_PREFIXES.some((p) => name.startsWith(p));
}

/**
 * The base environment of an agent: the safe variables of `from`, plus those `passEnv` names
 * (a profile's `pass_env`, e.g. a model provider's API key). AIDOS_* never passes.
 */
export function agentBaseEnv(
  from: NodeJS.ProcessEnv,
  passEnv: readonly string[] = [],
): Record<string, string> {
  const env: Record<string, string> = {};
  const named = new Set(passEnv);
  for (const [name, value] of Object.entries(from)) {
    if (value === undefined || name.startsWith(DAEMON_ENV_PREFIX)) continue;
    if (isSafeBaseVariable(name) || named.has(name)) env[name] = value;
  }
  return env;
}
