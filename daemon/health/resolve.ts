import type { HealthConfig } from '../config/health.js';
import { AidosError } from '../errors.js';
import type { HealthCheck, ResolvedCheck } from './types.js';

/** Applies `health.*` defaults and `health.checks.<name>` overrides to a check's own defaults. */
export function resolveCheck(check: HealthCheck, config: HealthConfig): ResolvedCheck {
  const o = config.checks[check.name] ?? {};
  return {
    ...check,
    affects: o.affects ?? check.affects,
    thresholds: {
      ...check.thresholds,
      ...(o.warn !== undefined ? { warn: o.warn } : {}),
      ...(o.fail !== undefined ? { fail: o.fail } : {}),
    },
    timeoutMs: o.timeout ?? check.timeoutMs ?? config.timeout,
    schedule: o.schedule ?? check.schedule ?? config.schedules[check.group],
    failuresBeforeFail: o.failures_before_fail ?? check.failuresBeforeFail ?? config.failures_before_fail,
    successesBeforePass: o.successes_before_pass ?? check.successesBeforePass ?? config.successes_before_pass,
  };
}

/** False when config turns the check off. */
export function isEnabled(name: string, config: HealthConfig): boolean {
  return config.checks[name]?.enabled ?? true;
}

/** Every check name the daemon knows; config naming any other is a typo worth refusing. */
export const KNOWN_CHECKS = [
  'process:eventloop-lag',
  'process:heap-used',
  'process:rss',
  'process:open-handles',
  'process:log-dropped',
  'system:cpu-load',
  'system:memory-available',
  'system:disk-free',
  'store:ready',
  'store:migrations',
  'tasks:queue-age',
  'tasks:claiming',
  'sqlite:quick-check',
  'sqlite:wal-size',
  'postgres:latency',
  'postgres:pool-in-use',
  'postgres:pool-waiting',
  'postgres:connections',
  'postgres:longest-query',
  'postgres:longest-transaction',
  'postgres:blocked-sessions',
  'postgres:deadlocks',
  'postgres:replication-lag',
  'postgres:replica-lag',
  'agents:command',
  'agents:services-down',
  'agents:restart-rate',
  'agents:log-write-failures',
  'agents:stuck-tasks',
  'gateway:ready',
  'gateway:rpc',
  'gateway:memory',
  'cluster:members',
  'cluster:gossip-age',
  'cluster:store-identity',
  'canary:pipeline',
] as const;

/** Throws a config error naming the first `health.checks` key that is no check. */
export function assertKnownChecks(config: HealthConfig): void {
  const known = new Set<string>(KNOWN_CHECKS);
  for (const name of Object.keys(config.checks)) {
    if (!known.has(name))
      throw new AidosError('config', `invalid config: health.checks.${name}: no such check`, {
        field: `health.checks.${name}`,
      });
  }
}
