import pino from 'pino';
import { healthConfigSchema } from '../../daemon/config/health.js';
import { resolveCheck } from '../../daemon/health/resolve.js';
import type { HealthCheck, Observation, ResolvedCheck } from '../../daemon/health/types.js';

/** A logger that drops everything. */
export const silentLogger = pino({ level: 'silent' });

/** The health config with defaults and the given overrides. */
export function healthConfig(raw: Record<string, unknown> = {}) {
  return healthConfigSchema.parse(raw);
}

/** A check whose observations the test scripts, one per run. */
export function scriptedCheck(
  name: string,
  script: (Observation | Error | (() => Promise<Observation>))[],
  overrides: Partial<HealthCheck> = {},
  config: Record<string, unknown> = {},
): ResolvedCheck {
  let i = 0;
  const check: HealthCheck = {
    name,
    componentType: 'component',
    affects: 'none',
    group: 'fast',
    thresholds: { warn: 10, fail: 20 },
    run: async () => {
      const step = script[Math.min(i++, script.length - 1)];
      if (step instanceof Error) throw step;
      if (typeof step === 'function') return step();
      return step as Observation;
    },
    ...overrides,
  };
  return resolveCheck(check, healthConfig(config));
}
