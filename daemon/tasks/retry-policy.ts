import { plural } from '../../shared/plural.js';
import type { RunOutcome } from '../agents/outcome.js';
import type { RunCompletion, Task } from '../store/types.js';
import { backoffDelay } from '../util/backoff.js';

/** Retry settings (`tasks.*`). */
export interface RetrySettings {
  /** First retry delay (tasks.retry_base). */
  retry_base_ms: number;
  /** Longest retry delay (tasks.retry_max). */
  retry_max_ms: number;
}

/** Why this node stopped the run itself, when it did (a run the node lost is not completed at all). */
export type RunStop = 'cancel' | 'shutdown';

/**
 * Decides a finished run's next state, in one place: succeeded and cancelled are final; a run
 * stopped by a cancel request is cancelled and one interrupted by a graceful shutdown is queued
 * again without using up its attempt (unless it succeeded anyway); a retryable failure goes back to
 * the queue after an exponential, jittered delay until max_attempts, then to the dead-letter state
 * `dead`; a failure retrying cannot fix is `failed` at once.
 */
export function completionFor(
  task: Task,
  nodeId: string,
  outcome: RunOutcome,
  settings: RetrySettings,
  options: { stopped?: RunStop; random?: () => number } = {},
): RunCompletion {
  const completion = outcomeCompletion(task, nodeId, outcome, settings, options.random ?? Math.random);
  if (outcome.kind === 'succeeded' || !options.stopped) return completion;
  if (options.stopped === 'cancel')
    return { ...completion, next: 'cancelled', event: 'cancelled', error: 'cancelled by request' };
  return {
    ...completion,
    next: 'queued',
    event: 'requeued',
    retry_delay_ms: 0,
    refund_attempt: true,
    error: 'daemon stopping',
  };
}

function outcomeCompletion(
  task: Task,
  nodeId: string,
  outcome: RunOutcome,
  settings: RetrySettings,
  random: () => number,
): RunCompletion {
  const base = {
    id: task.id,
    fence: task.fence,
    node_id: nodeId,
    ...(outcome.result === undefined ? {} : { result: outcome.result }),
    detail: {
      outcome: outcome.kind,
      exit_code: outcome.exitCode ?? null,
      signal: outcome.signal ?? null,
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
      error: `${error} (gave up after ${plural(task.attempt, 'attempt')})`,
    };
  }
  const delay = backoffDelay(task.attempt, settings.retry_base_ms, settings.retry_max_ms, random);
  return {
    ...base,
    next: 'queued',
    event: 'retry_scheduled',
    retry_delay_ms: delay,
    error,
    detail: { ...base.detail, retry_in_ms: delay },
  };
}

/**
 * The next state of a claimed task whose agent could not be started: failed, unless the host is
 * to blame (`deferred`: disk full, out of descriptors), then queued again after the pause without
 * using up its attempt.
 */
export function launchFailedCompletion(
  task: Task,
  nodeId: string,
  error: string,
  deferred?: { cause: string; pause_ms: number },
): RunCompletion {
  const base = { id: task.id, fence: task.fence, node_id: nodeId, error };
  if (!deferred) return { ...base, next: 'failed', event: 'failed' };
  return {
    ...base,
    next: 'queued',
    event: 'launch_deferred',
    retry_delay_ms: deferred.pause_ms,
    refund_attempt: true,
    detail: { cause: deferred.cause, retry_in_ms: deferred.pause_ms },
  };
}
