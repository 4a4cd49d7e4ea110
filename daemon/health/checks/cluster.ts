import type { CanaryRunner, ClusterHealthSource } from '../providers.js';
import type { HealthCheck } from '../types.js';

/** Membership as gossip sees it; a suspect or dead peer warns, not joining a required cluster fails. */
export function clusterChecks(source: () => ClusterHealthSource): HealthCheck[] {
  return [
    {
      name: 'cluster:members',
      componentType: 'component',
      affects: 'ready',
      group: 'fast',
      run: async () => {
        const cluster = source();
        const members = cluster.members();
        const count = (state: string) => members.filter((m) => m.state === state).length;
        const alive = count('alive');
        const troubled = count('suspect') + count('dead');
        const joined = cluster.joined();
        return {
          observedValue: alive,
          observedUnit: 'alive',
          status: cluster.required && !joined ? 'fail' : troubled > 0 ? 'warn' : 'pass',
          output: `${alive} alive, ${count('suspect')} suspect, ${count('dead')} dead${
            cluster.required && !joined ? '; not joined' : ''
          }`,
        };
      },
    },
    {
      name: 'cluster:gossip-age',
      componentType: 'component',
      affects: 'none',
      group: 'fast',
      thresholds: { warn: 10_000, fail: 30_000 },
      run: async () => {
        const age = source().lastGossipAgeMs();
        return age === null
          ? { observedValue: 0, observedUnit: 'ms', output: 'single host: no gossip' }
          : { observedValue: Math.round(age), observedUnit: 'ms' };
      },
    },
    {
      name: 'cluster:store-identity',
      componentType: 'component',
      affects: 'none',
      group: 'fast',
      run: async () => {
        const agrees = source().storeIdentityAgrees();
        return agrees === null
          ? { observedValue: true, output: 'single host' }
          : {
              observedValue: agrees,
              status: agrees ? 'pass' : 'fail',
              ...(agrees ? {} : { output: 'members report different stores' }),
            };
      },
    },
  ];
}

/** The business canary: a tiny task through claim, spawn and result, timed. */
export function canaryCheck(runner: CanaryRunner): HealthCheck {
  return {
    name: 'canary:pipeline',
    componentType: 'component',
    affects: 'none',
    group: 'canary',
    timeoutMs: 120_000,
    thresholds: { warn: 30_000, fail: 90_000 },
    failuresBeforeFail: 1,
    run: async (signal) => {
      const outcome = await runner.run(signal);
      return {
        observedValue: Math.round(outcome.durationMs),
        observedUnit: 'ms',
        ...(outcome.ok ? {} : { status: 'fail' as const }),
        output: outcome.output,
      };
    },
  };
}
