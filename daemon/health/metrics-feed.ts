import type { DaemonMetrics } from '../metrics/registry.js';
import { poolFigures } from '../store/postgres/diagnostics.js';
import { PostgresStore } from '../store/postgres/pg-store.js';
import type { Store } from '../store/types.js';
import type { HealthRunner } from './runner.js';
import type { CheckResult, ResolvedCheck } from './types.js';

const STATUS_VALUE = { pass: 0, warn: 1, fail: 2 } as const;

/** Mirrors every health result into the health gauges. */
export function feedHealthMetrics(runner: HealthRunner, metrics: DaemonMetrics): void {
  runner.on('result', (result: CheckResult, check: ResolvedCheck) => {
    metrics.healthStatus.set({ check: result.name, affects: check.affects }, STATUS_VALUE[result.status]);
    metrics.healthDuration.set({ check: result.name }, result.durationMs / 1000);
    const value = result.observation.observedValue;
    const numeric =
      typeof value === 'number' ? value : typeof value === 'boolean' ? Number(value) : undefined;
    if (numeric !== undefined)
      metrics.healthObserved.set(
        { check: result.name, unit: result.observation.observedUnit ?? '' },
        numeric,
      );
  });
}

/**
 * Refreshes the store-derived gauges on a schedule, so a scrape reads memory and a scrape storm never
 * reaches the database.
 */
export async function refreshStoreMetrics(store: Store, metrics: DaemonMetrics): Promise<void> {
  if (store instanceof PostgresStore) {
    const p = poolFigures(store.pool);
    for (const [figure, value] of Object.entries(p)) metrics.storePool.set({ figure }, value);
  }
  const [counts, ageMs] = await Promise.all([store.countTasksByState(), store.oldestQueuedAgeMs()]);
  for (const [state, n] of Object.entries(counts)) metrics.tasksByState.set({ state }, n);
  metrics.queueAge.set(ageMs / 1000);
}
