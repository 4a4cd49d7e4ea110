import { describe, expect, it } from 'vitest';
import { HealthRunner } from '../../daemon/health/runner.js';
import type { StatusChange } from '../../daemon/health/types.js';
import { scriptedCheck } from './helpers.js';

const v = (observedValue: number) => ({ observedValue, observedUnit: 'count' });

describe('health runner', () => {
  it('maps thresholds to pass, warn and fail (upwards and downwards)', async () => {
    const runner = new HealthRunner({ nodeId: 'n1', freshMinIntervalMs: 0 });
    runner.add(
      scriptedCheck('t:up', [v(5), v(10), v(25)], {}, { failures_before_fail: 1, successes_before_pass: 1 }),
      scriptedCheck(
        't:down',
        [v(50), v(8), v(3)],
        { thresholds: { warn: 10, fail: 5, below: true } },
        { failures_before_fail: 1, successes_before_pass: 1 },
      ),
    );
    const seen: string[] = [];
    for (let i = 0; i < 3; i++) {
      await runner.runMany(['t:up', 't:down']);
      seen.push(`${runner.result('t:up')?.status}/${runner.result('t:down')?.status}`);
    }
    expect(seen).toEqual(['pass/pass', 'warn/warn', 'fail/fail']);
  });

  it('holds the reported status until enough consecutive results agree (flapping guard)', async () => {
    const runner = new HealthRunner({ nodeId: 'n1', freshMinIntervalMs: 0 });
    // pass, fail, pass, fail, fail, fail, pass, pass, pass
    const script = [1, 30, 1, 30, 30, 30, 1, 1, 1].map(v);
    runner.add(scriptedCheck('t:flap', script, {}, { failures_before_fail: 3, successes_before_pass: 2 }));
    const changes: StatusChange[] = [];
    runner.events.on('health.change', (c: StatusChange) => changes.push(c));
    const reported: string[] = [];
    for (let i = 0; i < script.length; i++) {
      await runner.run('t:flap');
      reported.push(runner.result('t:flap')?.status ?? '?');
    }
    expect(reported).toEqual(['pass', 'pass', 'pass', 'pass', 'pass', 'fail', 'fail', 'pass', 'pass']);
    expect(changes.map((c) => `${c.from ?? '-'}>${c.to}`)).toEqual(['->pass', 'pass>fail', 'fail>pass']);
    expect(runner.result('t:flap')?.rawStatus).toBe('pass');
  });

  it('lets a check that has not passed since start pass at its first pass, and guards it after', async () => {
    const runner = new HealthRunner({ nodeId: 'n1', freshMinIntervalMs: 0 });
    // fail (starting), pass, fail, fail, pass, pass
    const script = [30, 1, 30, 30, 1, 1].map(v);
    runner.add(scriptedCheck('t:start', script, {}, { failures_before_fail: 2, successes_before_pass: 2 }));
    const reported: string[] = [];
    for (let i = 0; i < script.length; i++) {
      await runner.run('t:start');
      reported.push(runner.result('t:start')?.status ?? '?');
    }
    expect(reported).toEqual(['fail', 'pass', 'pass', 'fail', 'fail', 'pass']);
  });

  it('fails a check that exceeds its timeout and one that throws', async () => {
    const runner = new HealthRunner({ nodeId: 'n1', freshMinIntervalMs: 0 });
    let aborted = false;
    runner.add(
      scriptedCheck(
        't:slow',
        [
          () =>
            new Promise((resolve) => {
              const t = setTimeout(() => resolve(v(1)), 5_000);
              t.unref();
            }),
        ],
        {
          timeoutMs: 50,
          run: (signal) =>
            new Promise((resolve) => {
              signal.addEventListener('abort', () => {
                aborted = true;
              });
              setTimeout(() => resolve(v(1)), 5_000).unref();
            }),
        },
      ),
      scriptedCheck('t:throws', [new Error('boom')]),
    );
    const started = Date.now();
    await runner.runMany(['t:slow', 't:throws']);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(runner.result('t:slow')).toMatchObject({
      status: 'fail',
      observation: { output: 'timed out after 50 ms' },
    });
    expect(aborted).toBe(true);
    expect(runner.result('t:throws')).toMatchObject({ status: 'fail', observation: { output: 'boom' } });
  });

  it('shares a run in flight and rate-limits forced runs', async () => {
    let now = 1_000_000;
    let runs = 0;
    const runner = new HealthRunner({ nodeId: 'n1', freshMinIntervalMs: 5_000, now: () => now });
    runner.add(
      scriptedCheck('t:count', [
        async () => {
          runs++;
          return v(runs);
        },
      ]),
    );
    await Promise.all([runner.run('t:count'), runner.run('t:count')]);
    expect(runs).toBe(1);
    expect(await runner.refresh(() => true)).toBe(true);
    expect(await runner.refresh(() => true)).toBe(false);
    expect(runs).toBe(2);
    now += 5_000;
    expect(await runner.refresh(() => true)).toBe(true);
    expect(runs).toBe(3);
  });
});
