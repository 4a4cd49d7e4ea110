import type { RunCompletion, Task } from '../store/types.js';
import { backoffDelay } from '../util/backoff.js';
import type { RunResult } from './launcher.js';

/** Retry settings (`tasks.*`). */
export interface RetrySettings {
  /** First retry delay. */
  retry_base: number;
  /** Longest retry delay. */
  retry_max: number;
}

/**
 * Decides a finished run's next state: succeeded and cancelled are final; a retryable failure goes
 * back to the queue after an exponential, jittered delay until max_attempts, then to the dead-letter
 * state `dead`; a failure retrying cannot fix is `failed` at once.
 */
export function completionFor(
  task: Task,
  nodeId: string,
  outcome: RunResult,
  settings: RetrySettings,
  random: () => number = Math.random,
): RunCompletion {
  const base = {
    id: task.id,
    fence: task.fence,
    node_id: nodeId,
    ...(outcome.result === undefined ? {} : { result: outcome.result }),
    detail: {
      outcome: outcome.kind,
      exit_code: outcome.exitCode,
      signal: outcome.signal,
      duration_ms: Math.round(outcome.durationMs),
      peak_rss_bytes: outcome.peakRssBytes,
    },
  };
  if (outcome.kind === 'succeeded') return { ...base, next: 'succeeded', event: 'succeeded' };
  const error = outcome.error ?? outcome.kind;
  if (outcome.kind === 'cancelled') return { ...base, next: 'cancelled', event: 'cancelled', error };
  if (!outcome.retryable) return { ...base, next: 'failed', event: 'failed', error };
  if (task.attempt >= task.max_attempts) {
    return {
      ...base,
      next: 'dead',
      event: 'dead',
      error: `${error} (gave up after ${task.attempt} attempts)`,
    };
  }
  const delay = backoffDelay(task.attempt, settings.retry_base, settings.retry_max, random);
  return {
    ...base,
    next: 'queued',
    event: 'retry_scheduled',
    retry_delay_ms: delay,
    error,
    detail: { ...base.detail, retry_in_ms: delay },
  };
}
