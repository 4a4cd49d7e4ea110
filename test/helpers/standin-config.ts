import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import YAML from 'yaml';
import { openclawProfile } from '../../daemon/agents/index.js';

/** The compiled stand-in for the openclaw CLI (npm test builds it). */
export const STANDIN = resolve('dist/test/fixtures/openclaw-standin.js');

/**
 * Args of a profile that runs the stand-in exactly as the built-in profile runs `openclaw agent
 * exec`, plus `--attempt` (which the stand-in uses to fail or hang until a given attempt).
 */
export function standinArgs(): string[] {
  return [STANDIN, ...openclawProfile(process.execPath).args, '--attempt', '{attempt}'];
}

/** Writes a daemon config whose default profile is the stand-in; returns its path. */
export function writeStandinConfig(dir: string, extra: Record<string, unknown> = {}): string {
  const config = {
    agents: {
      default_profile: 'standin',
      slots: 4,
      kill_grace: '300ms',
      profiles: {
        standin: { command: process.execPath, args: standinArgs(), timeout: '30s' },
        small: {
          command: process.execPath,
          args: standinArgs(),
          timeout: '30s',
          memory_limit_mb: 150,
          slots: 1,
        },
      },
    },
    tasks: { retry_base: '20ms', retry_max: '200ms', lease: '3s', renew_every: '500ms', poll_interval: '1s' },
    ...extra,
  };
  const path = join(dir, 'aidos-test.yaml');
  writeFileSync(path, YAML.stringify(config));
  return path;
}
