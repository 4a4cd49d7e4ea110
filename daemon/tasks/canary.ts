import { FINAL_TASK_STATES } from '../../shared/tasks.js';
import type { CanaryOutcome, CanaryRunner } from '../health/providers.js';
import type { Task } from '../store/types.js';
import type { TaskFeed } from './task-feed.js';
import type { TaskService } from './task-service.js';

/**
 * The business canary: a tiny task through the real pipeline (submit, claim, spawn, result),
 * labelled `aidos=canary` so views can hide it. Cancelled when the check times out.
 */
export class TaskCanary implements CanaryRunner {
  constructor(
    private readonly service: TaskService,
    private readonly feed: TaskFeed,
    private readonly profile: string,
  ) {}

  async run(signal: AbortSignal): Promise<CanaryOutcome> {
    const started = performance.now();
    let id: string | undefined;
    let unsubscribe = () => {};
    const final = new Promise<Task>((resolve) => {
      unsubscribe = this.feed.subscribe((task) => {
        if (task.id === id && FINAL_TASK_STATES.includes(task.state)) resolve(task);
      });
    });
    try {
      const { task } = await this.service.submit({
        message: 'aidos canary: reply with OK',
        profile: this.profile,
        priority: 1000,
        max_attempts: 1,
        timeout_s: 60,
        labels: { aidos: 'canary' },
      });
      id = task.id;
      const aborted = new Promise<'aborted'>((resolve) =>
        signal.addEventListener('abort', () => resolve('aborted'), { once: true }),
      );
      const done = await Promise.race([final, aborted]);
      const durationMs = Math.round(performance.now() - started);
      if (done === 'aborted') {
        await this.service.cancel({ id: task.id, reason: 'canary check timed out' }).catch(() => {});
        return { ok: false, durationMs, output: `canary ${task.id} did not finish in time; cancelled` };
      }
      const ok = done.state === 'succeeded';
      return {
        ok,
        durationMs,
        output: ok
          ? `canary ${done.id} succeeded`
          : `canary ${done.id} ${done.state}: ${done.error ?? ''}`.trim(),
      };
    } finally {
      unsubscribe();
    }
  }
}
