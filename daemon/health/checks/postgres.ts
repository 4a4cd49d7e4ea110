import { plural } from '../../../shared/plural.js';
import type { PoolFigures, PostgresProbe, ReplicationLag } from '../../store/facets.js';
import type { HealthCheck, Observation } from '../types.js';

/** What the PostgreSQL checks need. */
export interface PostgresCheckDeps {
  /** Round trip through the daemon's own pool (what its work experiences). */
  ping(): Promise<number>;
  /** The daemon's pool counters. */
  poolFigures(): PoolFigures;
  /** pg_stat queries on a connection of their own. */
  probe: PostgresProbe;
  /** The same on the read replica, when one is configured. */
  replicaProbe?: PostgresProbe;
  /** Redacted URL, as componentId. */
  description: string;
}

/** pg-pool queues a caller for a tick even when a connection is idle; read counters after that settles. */
async function settledFigures(figures: () => PoolFigures): Promise<PoolFigures> {
  await new Promise((resolve) => setImmediate(resolve));
  return figures();
}

function lagObservation(lag: ReplicationLag): Observation {
  const detail =
    lag.role === 'primary'
      ? lag.replicas === 0
        ? 'primary, no replicas streaming'
        : `primary, ${plural(lag.replicas, 'replica')}, ${lag.lagBytes} bytes behind`
      : 'replica';
  return { observedValue: Math.round(lag.lagMs), observedUnit: 'ms', output: detail };
}

/** The cluster store: latency, pool, connections, long work, locks, deadlocks, replication. */
export function postgresChecks(deps: PostgresCheckDeps): HealthCheck[] {
  const componentId = deps.description;
  let lastDeadlocks: number | undefined;
  const checks: HealthCheck[] = [
    {
      name: 'postgres:latency',
      componentType: 'datastore',
      componentId,
      affects: 'none',
      group: 'fast',
      thresholds: { warn: 100, fail: 1_000 },
      run: async () => ({ observedValue: Math.round((await deps.ping()) * 100) / 100, observedUnit: 'ms' }),
    },
    {
      name: 'postgres:pool-in-use',
      componentType: 'datastore',
      componentId,
      affects: 'none',
      group: 'fast',
      // Saturated is normal under load; only waiting callers (pool-waiting) are a problem.
      thresholds: { warn: 100 },
      run: async () => {
        const p = await settledFigures(deps.poolFigures);
        return {
          observedValue: Math.round(((p.total - p.idle) / p.max) * 10_000) / 100,
          observedUnit: 'percent',
          output: `total ${p.total}, idle ${p.idle}, waiting ${p.waiting}, max ${p.max}`,
        };
      },
    },
    {
      name: 'postgres:pool-waiting',
      componentType: 'datastore',
      componentId,
      affects: 'none',
      group: 'fast',
      thresholds: { warn: 1, fail: 10 },
      run: async () => {
        const p = await settledFigures(deps.poolFigures);
        return {
          observedValue: p.waiting,
          observedUnit: 'count',
          output: `total ${p.total}, idle ${p.idle}, max ${p.max}`,
        };
      },
    },
    {
      name: 'postgres:connections',
      componentType: 'datastore',
      componentId,
      affects: 'none',
      group: 'deep',
      thresholds: { warn: 80, fail: 95 },
      run: async () => {
        const c = await deps.probe.connectionUsage();
        const usable = Math.max(1, c.max - c.reserved);
        return {
          observedValue: Math.round((c.used / usable) * 10_000) / 100,
          observedUnit: 'percent',
          output: `${c.used} of ${usable} usable (max_connections ${c.max})`,
        };
      },
    },
    {
      name: 'postgres:longest-query',
      componentType: 'datastore',
      componentId,
      affects: 'none',
      group: 'deep',
      thresholds: { warn: 30_000, fail: 300_000 },
      run: async () => {
        const s = await deps.probe.longestQuery();
        return s
          ? { observedValue: Math.round(s.ms), observedUnit: 'ms', output: `pid ${s.pid}: ${s.query}` }
          : { observedValue: 0, observedUnit: 'ms' };
      },
    },
    {
      name: 'postgres:longest-transaction',
      componentType: 'datastore',
      componentId,
      affects: 'none',
      group: 'deep',
      // Long transactions hold back vacuum and keep locks; idle-in-transaction counts too.
      thresholds: { warn: 60_000, fail: 600_000 },
      run: async () => {
        const s = await deps.probe.longestTransaction();
        return s
          ? {
              observedValue: Math.round(s.ms),
              observedUnit: 'ms',
              output: `pid ${s.pid} (${s.state ?? '?'}): ${s.query}`,
            }
          : { observedValue: 0, observedUnit: 'ms' };
      },
    },
    {
      name: 'postgres:blocked-sessions',
      componentType: 'datastore',
      componentId,
      affects: 'none',
      group: 'deep',
      thresholds: { warn: 1, fail: 10 },
      run: async () => {
        const b = await deps.probe.blockedSessions();
        return {
          observedValue: b.count,
          observedUnit: 'count',
          ...(b.example ? { output: `${b.example}; longest waiting ${Math.round(b.longestMs)} ms` } : {}),
        };
      },
    },
    {
      name: 'postgres:deadlocks',
      componentType: 'datastore',
      componentId,
      affects: 'none',
      group: 'deep',
      thresholds: { warn: 1 },
      // The counter is cumulative; what matters is how many happened since the previous run.
      run: async () => {
        const total = await deps.probe.deadlockCount();
        const delta = lastDeadlocks === undefined ? 0 : Math.max(0, total - lastDeadlocks);
        lastDeadlocks = total;
        return { observedValue: delta, observedUnit: 'count', output: `${total} since statistics reset` };
      },
    },
    {
      name: 'postgres:replication-lag',
      componentType: 'datastore',
      componentId,
      affects: 'none',
      group: 'deep',
      thresholds: { warn: 10_000, fail: 60_000 },
      run: async () => lagObservation(await deps.probe.replicationLag()),
    },
  ];
  const replica = deps.replicaProbe;
  if (replica)
    checks.push({
      name: 'postgres:replica-lag',
      componentType: 'datastore',
      componentId: 'read replica',
      affects: 'none',
      group: 'deep',
      thresholds: { warn: 10_000, fail: 60_000 },
      run: async () => lagObservation(await replica.replicationLag()),
    });
  return checks;
}
