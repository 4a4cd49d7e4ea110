import type { HealthStatus } from '../../shared/health.js';
import type { Observation, Thresholds } from './types.js';

const RANK: Record<HealthStatus, number> = { pass: 0, warn: 1, fail: 2 };

/** Orders statuses: pass < warn < fail. */
export function rank(status: HealthStatus): number {
  return RANK[status];
}

/** The raw status of one observation: the check's own verdict wins, else thresholds on a number. */
export function statusOf(observation: Observation, thresholds: Thresholds): HealthStatus {
  if (observation.status) return observation.status;
  const value = observation.observedValue;
  if (typeof value !== 'number' || !Number.isFinite(value)) return 'pass';
  const beyond = (limit: number | undefined) =>
    limit !== undefined && (thresholds.below ? value <= limit : value >= limit);
  if (beyond(thresholds.fail)) return 'fail';
  if (beyond(thresholds.warn)) return 'warn';
  return 'pass';
}

/** Consecutive-result state of one check (Consul's failures_before_critical / success_before_passing). */
export interface Streak {
  /** Raw status of the latest runs. */
  status: HealthStatus;
  /** How many runs in a row had it. */
  count: number;
}

/**
 * Applies the flapping guard: the reported status moves towards the raw one only after enough
 * consecutive raw results agree — worse needs `failures` in a row, better needs `successes`.
 */
export function guard(
  reported: HealthStatus | undefined,
  streak: Streak,
  failures: number,
  successes: number,
): HealthStatus {
  if (reported === undefined || streak.status === reported) return streak.status;
  const needed = rank(streak.status) > rank(reported) ? failures : successes;
  return streak.count >= needed ? streak.status : reported;
}
