import { describe, expect, it } from 'vitest';
import { canaryCheck, clusterChecks } from '../../daemon/health/checks/cluster.js';
import type { ClusterHealthSource, ClusterMemberHealth } from '../../daemon/health/providers.js';
import { resolveCheck } from '../../daemon/health/resolve.js';
import { HealthRunner } from '../../daemon/health/runner.js';
import { healthConfig } from './helpers.js';

function member(nodeId: string, state: ClusterMemberHealth['state']): ClusterMemberHealth {
  return { nodeId, address: `${nodeId}:7420`, state, status: 'pass', lastSeenMs: 100, self: nodeId === 'a' };
}

function runnerWith(...checks: Parameters<typeof resolveCheck>[0][]): HealthRunner {
  const config = healthConfig({ failures_before_fail: 1, successes_before_pass: 1 });
  const runner = new HealthRunner({ nodeId: 'a', freshMinIntervalMs: 0 });
  runner.add(...checks.map((c) => resolveCheck(c, config)));
  return runner;
}

describe('provider-backed checks', () => {
  it('cluster checks: a dead peer warns, not joining a required cluster fails, stores must agree', async () => {
    let members = [member('a', 'alive'), member('b', 'alive')];
    let joined = true;
    let agrees: boolean | null = true;
    const source: ClusterHealthSource = {
      required: true,
      members: () => members,
      lastGossipAgeMs: () => 250,
      storeIdentityAgrees: () => agrees,
      joined: () => joined,
    };
    const runner = runnerWith(...clusterChecks(() => source));
    const names = runner.list().map((c) => c.name);
    await runner.runMany(names);
    expect(names.map((n) => runner.result(n)?.status)).toEqual(['pass', 'pass', 'pass']);
    members = [member('a', 'alive'), member('b', 'dead')];
    expect((await runner.run('cluster:members')).observation.output).toBe('1 alive, 0 suspect, 1 dead');
    expect(runner.result('cluster:members')?.status).toBe('warn');
    joined = false;
    expect((await runner.run('cluster:members')).status).toBe('fail');
    agrees = false;
    expect((await runner.run('cluster:store-identity')).status).toBe('fail');
  });

  it('the canary passes when the pipeline answers, and fails when it does not', async () => {
    let ok = true;
    const runner = runnerWith(
      canaryCheck({
        run: async () => ({ ok, durationMs: 1234, output: ok ? 'succeeded' : 'claim timed out' }),
      }),
    );
    expect((await runner.run('canary:pipeline')).status).toBe('pass');
    ok = false;
    const failed = await runner.run('canary:pipeline');
    expect(failed).toMatchObject({
      status: 'fail',
      observation: { observedValue: 1234, output: 'claim timed out' },
    });
  });
});
