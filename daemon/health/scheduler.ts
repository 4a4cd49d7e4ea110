import { Cron } from 'croner';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { HealthRunner } from './runner.js';

/** A non-check job that runs on its own cron schedule (history flush, retention, metrics refresh). */
export interface ScheduledJob {
  /** Name for logs. */
  name: string;
  /** Cron expression. */
  schedule: string;
  /** The work; errors are logged, never thrown. */
  run(): Promise<unknown>;
}

/**
 * Background cron schedules: one cron task per distinct schedule runs every check that uses it, so
 * endpoints serve results instead of running probes. Overlapping runs are skipped.
 */
export class HealthScheduler {
  private readonly tasks = new Map<string, Cron>();
  private started = false;

  constructor(
    private readonly runner: HealthRunner,
    private readonly jobs: ScheduledJob[],
    private readonly logger: Logger,
  ) {}

  private cronTask(key: string, schedule: string, fn: () => Promise<unknown>): void {
    if (this.tasks.has(key)) return;
    // protect: a run still in progress makes the next one skip. No `name`: croner keeps named
    // jobs in a process-wide registry, and several daemons may share a process in tests.
    const task = new Cron(schedule, { protect: true }, async () => {
      try {
        await fn();
      } catch (error) {
        this.logger.warn({ err: errorMessage(error), job: key }, 'health job failed');
      }
    });
    this.tasks.set(key, task);
  }

  /** Creates cron tasks for schedules not yet covered (checks added after start included). */
  sync(): void {
    if (!this.started) return;
    for (const check of this.runner.list()) {
      const schedule = check.schedule;
      this.cronTask(`checks@${schedule}`, schedule, () =>
        this.runner.runMany(
          this.runner
            .list()
            .filter((c) => c.schedule === schedule)
            .map((c) => c.name),
        ),
      );
    }
  }

  start(): void {
    this.started = true;
    for (const job of this.jobs) this.cronTask(job.name, job.schedule, () => job.run());
    this.sync();
  }

  async stop(): Promise<void> {
    this.started = false;
    for (const task of this.tasks.values()) task.stop();
    this.tasks.clear();
  }
}
