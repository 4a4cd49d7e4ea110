import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AidosError } from '../../errors.js';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

/** `over` wins key by key; objects merge, everything else is replaced. */
export function mergeJson(base: Json, over: Json): Json {
  const out: Json = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isObject(b) && isObject(v) ? mergeJson(b, v) : v;
  }
  return out;
}

/** What one gateway's state folder is prepared with. */
export interface GatewayStateSpec {
  /** The operator's shared OpenClaw config (`<agents.gateway.state_dir>/openclaw.json`), if any. */
  baseConfigFile: string;
  /** This gateway's own state folder (OPENCLAW_STATE_DIR). */
  stateDir: string;
  /** Its port. */
  port: number;
  /** Lane concurrency (`agents.defaults.maxConcurrent`). */
  concurrency: number;
  /** False: OpenClaw's own model retries are switched off (a dead model fails in one attempt). */
  providerRetries: boolean;
}

/**
 * Writes `<stateDir>/openclaw.json`: the operator's config (models, providers, agents) with the
 * parts the daemon owns forced: local mode, loopback bind, token auth, the port and the lanes.
 * Bad JSON in the operator's file is a config error naming the file, before any gateway starts.
 */
export function prepareGatewayState(spec: GatewayStateSpec): void {
  let base: Json = {};
  if (existsSync(spec.baseConfigFile)) {
    try {
      const parsed: unknown = JSON.parse(readFileSync(spec.baseConfigFile, 'utf8'));
      if (!isObject(parsed)) throw new Error('not a JSON object');
      base = parsed;
    } catch (error) {
      throw new AidosError(
        'config',
        `invalid config: agents.gateway.state_dir: ${spec.baseConfigFile}: ${(error as Error).message}`,
        { field: 'agents.gateway.state_dir', cause: error },
      );
    }
  }
  const config = mergeJson(base, {
    gateway: { mode: 'local', port: spec.port, bind: 'loopback', auth: { mode: 'token' } },
    agents: { defaults: { maxConcurrent: spec.concurrency } },
  });
  mkdirSync(join(spec.stateDir, 'tmp'), { recursive: true });
  writeFileSync(join(spec.stateDir, 'openclaw.json'), `${JSON.stringify(config, null, 2)}\n`, {
    mode: 0o600,
  });
  const settingsDir = join(spec.stateDir, 'agents', 'main', 'agent');
  mkdirSync(settingsDir, { recursive: true });
  writeProviderRetries(join(settingsDir, 'settings.json'), spec.providerRetries);
}

/**
 * OpenClaw retries a failing model endpoint ~8 times over ~90 s, past any `--timeout`; a
 * settings file with `retry.provider.maxRetries: 0` makes it fail in one attempt. `true` leaves
 * OpenClaw's default (the file is removed if we wrote it before).
 */
export function writeProviderRetries(settingsFile: string, retries: boolean): void {
  if (retries) {
    if (existsSync(settingsFile)) writeFileSync(settingsFile, '{}\n');
    return;
  }
  writeFileSync(settingsFile, `${JSON.stringify({ retry: { provider: { maxRetries: 0 } } })}\n`);
}
