import type { DaemonMetrics } from '../metrics/registry.js';
import type { EventBus } from '../runtime/events.js';
import type { StoreFacets } from '../store/facets.js';

const STATUS_VALUE = { pass: 0, warn: 1, fail: 2 } as const;

/** Mirrors every health result on the bus into the health gauges. */
export function feedHealthMetrics(events: EventBus, metrics: DaemonMetrics): void {
  events.on('health.result', ({ result, check }) => {
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
export async function refreshStoreMetrics(
  store: Pick<StoreFacets, 'tasks' | 'diagnostics'>,
  metrics: DaemonMetrics,
): Promise<void> {
  const pool = store.diagnostics.poolFigures();
  if (pool) for (const [figure, value] of Object.entries(pool)) metrics.storePool.set({ figure }, value);
  const [counts, ageMs] = await Promise.all([
    store.tasks.countTasksByState(),
    store.tasks.oldestQueuedAgeMs(),
  ]);
  for (const [state, n] of Object.entries(counts)) metrics.tasksByState.set({ state }, n);
  metrics.queueAge.set(ageMs / 1000);
}
