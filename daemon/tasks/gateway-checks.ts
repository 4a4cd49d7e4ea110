import { plural } from '../../shared/plural.js';
import type { GatewayPool } from '../agents/gateway/pool.js';
import type { HealthCheck } from '../health/types.js';

/** Finds an event-loop delay (ms) in the health RPC's `eventLoop` snapshot, whatever its exact field. */
function eventLoopLagMs(health: unknown): number | undefined {
  const loop = (health as { eventLoop?: Record<string, unknown> } | undefined)?.eventLoop;
  if (!loop || typeof loop !== 'object') return undefined;
  for (const key of ['delayP99Ms', 'p99Ms', 'delayMaxMs', 'maxMs', 'delayMeanMs', 'meanMs', 'delayMs'])
    if (typeof loop[key] === 'number') return loop[key] as number;
  return undefined;
}

/**
 * Health of the gateways: `/readyz` answered within the client timeout (a SIGSTOPped gateway
 * fails it instead of hanging it), the `health` RPC over the daemon's own connection, and the
 * memory of each process tree against `memory_warn` / `memory_limit`.
 */
export function gatewayChecks(
  pool: GatewayPool,
  readyTimeoutMs: number,
  warn?: number,
  limit?: number,
): HealthCheck[] {
  // Both per-gateway probes: any gateway down fails at once (the pool restarts it), none affects readiness.
  const perGateway = {
    componentType: 'component',
    affects: 'none',
    group: 'fast',
    thresholds: { fail: 1 },
    failuresBeforeFail: 1,
    successesBeforePass: 1,
    timeoutMs: readyTimeoutMs + 1_000,
  } as const satisfies Partial<HealthCheck>;
  return [
    {
      name: 'gateway:ready',
      ...perGateway,
      run: async (signal) => {
        const down: string[] = [];
        await Promise.all(
          pool.gateways.map(async (gw) => {
            const ok = await fetch(`http://127.0.0.1:${gw.port}/readyz`, {
              signal: AbortSignal.any([signal, AbortSignal.timeout(readyTimeoutMs)]),
            }).then(
              (r) => r.ok,
              () => false,
            );
            if (!ok) down.push(gw.name);
          }),
        );
        return {
          observedValue: down.length,
          observedUnit: 'count',
          output: down.length
            ? `not ready: ${down.join(', ')}`
            : `${plural(pool.gateways.length, 'gateway')} ready`,
        };
      },
    },
    {
      name: 'gateway:rpc',
      ...perGateway,
      run: async () => {
        const failing: string[] = [];
        await Promise.all(
          pool.gateways.map(async (gw) => {
            const health = await gw.client?.request('health', {}, readyTimeoutMs).catch(() => undefined);
            if (health === undefined) failing.push(gw.name);
            else gw.eventLoopLagMs = eventLoopLagMs(health) ?? gw.eventLoopLagMs;
          }),
        );
        return {
          observedValue: failing.length,
          observedUnit: 'count',
          output: failing.length ? `health RPC failed: ${failing.join(', ')}` : 'health RPC answered',
        };
      },
    },
    {
      name: 'gateway:memory',
      componentType: 'component',
      affects: 'none',
      group: 'fast',
      thresholds: { ...(warn ? { warn } : {}), ...(limit ? { fail: limit } : {}) },
      run: async () => {
        const top = [...pool.gateways].sort((a, b) => b.rssBytes - a.rssBytes)[0];
        return {
          observedValue: top?.rssBytes ?? 0,
          observedUnit: 'bytes',
          ...(top ? { componentId: top.name } : {}),
        };
      },
    },
  ];
}
