import type { ParsedConfig } from '../config/schema.js';
import { AidosError } from '../errors.js';
import { checkPlaceholders } from './placeholders.js';

/** A resolved agent command template; args and env may hold {placeholders}. */
export interface AgentProfile {
  /** Profile name (key under agents.profiles, or "openclaw"). */
  name: string;
  /** Executable to run (looked up on PATH, never through a shell). */
  command: string;
  /** Argument templates. */
  args: string[];
  /** Extra environment (templates), on top of the safe base (see agent-env.ts). */
  env: Record<string, string>;
  /** Variables of the daemon's environment passed through by name (pass_env); never AIDOS_*. */
  passEnv?: string[];
  /** Working directory for the process; defaults to the per-run workdir. */
  cwd: string | undefined;
  /** Concurrent runs this profile may take; undefined = the host's agents.slots. */
  slots: number | undefined;
  /** Hard wall-clock bound of one run, in ms. */
  timeoutMs: number;
  /** RSS of the whole process tree above which the run is stopped, in MB. */
  memoryLimitMb: number | undefined;
  /** False: OpenClaw's model retries are switched off in the run's workdir (fail fast). */
  providerRetries?: boolean;
  /** A Node binary whose folder goes first on the agent's PATH (OpenClaw needs Node >= 24.16). */
  node?: string;
}

/** Name of the built-in profile that runs the real OpenClaw CLI. */
export const DEFAULT_PROFILE_NAME = 'openclaw';
/** Name of the built-in profile whose tasks run as turns on the supervised gateways (`agents.gateway`). */
export const GATEWAY_PROFILE_NAME = 'openclaw-gateway';

/**
 * `openclaw_command` may be "node /path/openclaw.mjs": it is split on whitespace, since
 * we never hand it to a shell. Paths with spaces need a custom profile instead.
 */
export function openclawProfile(
  openclawCommand: string,
  timeoutMs = 600_000,
  passEnv: string[] = [],
): AgentProfile {
  const [command, ...pre] = openclawCommand.trim().split(/\s+/);
  if (!command)
    throw new AidosError('config', 'invalid config: agents.openclaw_command: empty', {
      field: 'agents.openclaw_command',
    });
  return {
    name: DEFAULT_PROFILE_NAME,
    command,
    args: [
      ...pre,
      'agent',
      'exec',
      '--json',
      '--cwd',
      '{workdir}',
      '--timeout',
      '{timeout_s}',
      '--message-file',
      '{message_file}',
    ],
    env: {},
    passEnv,
    cwd: undefined,
    slots: undefined,
    timeoutMs,
    memoryLimitMb: undefined,
  };
}

/** Every usable profile by name; a configured "openclaw" profile overrides the built-in one. */
export function resolveProfiles(config: Pick<ParsedConfig, 'agents'>): Map<string, AgentProfile> {
  const profiles = new Map<string, AgentProfile>([
    [
      DEFAULT_PROFILE_NAME,
      openclawProfile(config.agents.openclaw_command, undefined, config.agents.pass_env),
    ],
  ]);
  for (const [name, p] of Object.entries(config.agents.profiles)) {
    const base = `agents.profiles.${name}`;
    for (const [i, arg] of p.args.entries()) checkPlaceholders(arg, `${base}.args[${i}]`);
    for (const [key, value] of Object.entries(p.env)) checkPlaceholders(value, `${base}.env.${key}`);
    profiles.set(name, {
      name,
      command: p.command,
      args: [...p.args],
      env: { ...p.env },
      passEnv: [...new Set([...config.agents.pass_env, ...(p.pass_env ?? [])])],
      cwd: p.cwd,
      slots: p.slots,
      timeoutMs: p.timeout,
      memoryLimitMb: p.memory_limit_mb,
      providerRetries: p.provider_retries,
      ...(p.node ? { node: p.node } : {}),
    });
  }
  if (
    !profiles.has(config.agents.default_profile) &&
    config.agents.default_profile !== GATEWAY_PROFILE_NAME
  ) {
    throw new AidosError(
      'config',
      `invalid config: agents.default_profile: no profile named "${config.agents.default_profile}"`,
      {
        field: 'agents.default_profile',
      },
    );
  }
  return profiles;
}
