import { describe, expect, it } from 'vitest';
import type { RunOutcome } from '../../daemon/agents/outcome.js';
import { completionFor, launchFailedCompletion } from '../../daemon/tasks/retry-policy.js';
import type { Task } from '../../shared/tasks.js';

const settings = { retry_base_ms: 1_000, retry_max_ms: 60_000 };

function task(overrides: Partial<Task> = {}): Task {
  return {
    id: 't_1',
    idempotency_key: null,
    profile: 'default',
    message: 'hello',
    priority: 0,
    state: 'running',
    attempt: 1,
    max_attempts: 3,
    timeout_ms: 60_000,
    labels: {},
    run_after: 0,
    created_at: 0,
    updated_at: 0,
    started_at: 0,
    finished_at: null,
    node_id: 'n1',
    lease_expires_at: 1,
    fence: 7,
    cancel_requested: false,
    result: null,
    error: null,
    ...overrides,
  };
}

function outcome(overrides: Partial<RunOutcome> = {}): RunOutcome {
  return {
    kind: 'failed',
    exitCode: 1,
    signal: undefined,
    durationMs: 1234.4,
    peakRssBytes: 4096,
    cpuMs: undefined,
    result: undefined,
    error: 'agent said no',
    retryable: true,
    ...overrides,
  };
}

describe('completionFor', () => {
  it('a success is final, carries the result and the run facts, under the claim fence', () => {
    const result = { ok: true, final: 'done' } as unknown as RunOutcome['result'];
    const c = completionFor(
      task(),
      'n1',
      outcome({ kind: 'succeeded', exitCode: 0, error: undefined, result }),
      settings,
    );
    expect(c).toEqual({
      id: 't_1',
      fence: 7,
      node_id: 'n1',
      next: 'succeeded',
      event: 'succeeded',
      result,
      detail: { outcome: 'succeeded', exit_code: 0, signal: null, duration_ms: 1234, peak_rss_bytes: 4096 },
    });
  });

  it('a retryable failure is queued again after a delay between half the ceiling and the ceiling', () => {
    const low = completionFor(task({ attempt: 2 }), 'n1', outcome(), settings, { random: () => 0 });
    const high = completionFor(task({ attempt: 2 }), 'n1', outcome(), settings, { random: () => 1 });
    // Attempt 2: ceiling = base * 2 = 2000 ms.
    expect(low).toMatchObject({
      next: 'queued',
      event: 'retry_scheduled',
      retry_delay_ms: 1_000,
      error: 'agent said no',
    });
    expect(high.retry_delay_ms).toBe(2_000);
    expect(high.detail).toMatchObject({ retry_in_ms: 2_000 });
    // The ceiling stops at retry_max.
    const late = completionFor(task({ attempt: 20, max_attempts: 30 }), 'n1', outcome(), settings, {
      random: () => 1,
    });
    expect(late.retry_delay_ms).toBe(60_000);
  });

  it('the last allowed attempt goes to dead, saying how many it took', () => {
    const c = completionFor(
      task({ attempt: 3 }),
      'n1',
      outcome({ kind: 'timeout', error: 'timed out after 60000 ms' }),
      settings,
    );
    expect(c).toMatchObject({
      next: 'dead',
      event: 'dead',
      error: 'timed out after 60000 ms (gave up after 3 attempts)',
    });
    expect(c.retry_delay_ms).toBeUndefined();
  });

  it('a failure a retry cannot fix is failed at once; a run without a message is named by its kind', () => {
    expect(completionFor(task(), 'n1', outcome({ retryable: false }), settings)).toMatchObject({
      next: 'failed',
      event: 'failed',
      error: 'agent said no',
    });
    expect(
      completionFor(
        task(),
        'n1',
        outcome({ kind: 'bad_output', error: undefined, retryable: false }),
        settings,
      ),
    ).toMatchObject({ next: 'failed', error: 'bad_output' });
  });

  it('a run stopped by a cancel request is cancelled, unless it had already succeeded', () => {
    const c = completionFor(
      task(),
      'n1',
      outcome({ kind: 'cancelled', signal: 'SIGTERM', exitCode: undefined }),
      settings,
      { stopped: 'cancel' },
    );
    expect(c).toMatchObject({
      next: 'cancelled',
      event: 'cancelled',
      error: 'cancelled by request',
      detail: { signal: 'SIGTERM', exit_code: null },
    });
    const raced = completionFor(task(), 'n1', outcome({ kind: 'succeeded', error: undefined }), settings, {
      stopped: 'cancel',
    });
    expect(raced.next).toBe('succeeded');
  });

  it('a run interrupted by a graceful shutdown is queued at once without using up its attempt, even on its last one', () => {
    const c = completionFor(task({ attempt: 3 }), 'n1', outcome({ kind: 'cancelled' }), settings, {
      stopped: 'shutdown',
    });
    expect(c).toMatchObject({
      next: 'queued',
      event: 'requeued',
      retry_delay_ms: 0,
      refund_attempt: true,
      error: 'daemon stopping',
    });
    const finished = completionFor(task(), 'n1', outcome({ kind: 'succeeded', error: undefined }), settings, {
      stopped: 'shutdown',
    });
    expect(finished).toMatchObject({ next: 'succeeded' });
    expect(finished.refund_attempt).toBeUndefined();
  });

  it('an agent that cannot be started fails the task, unless the host is to blame: then it is deferred without an attempt', () => {
    expect(launchFailedCompletion(task(), 'n1', 'agent could not be started: ENOENT')).toEqual({
      id: 't_1',
      fence: 7,
      node_id: 'n1',
      error: 'agent could not be started: ENOENT',
      next: 'failed',
      event: 'failed',
    });
    expect(
      launchFailedCompletion(task(), 'n1', 'agent could not be started: ENOSPC', {
        cause: 'ENOSPC',
        pause_ms: 2_000,
      }),
    ).toMatchObject({
      next: 'queued',
      event: 'launch_deferred',
      retry_delay_ms: 2_000,
      refund_attempt: true,
      detail: { cause: 'ENOSPC', retry_in_ms: 2_000 },
    });
  });
});
