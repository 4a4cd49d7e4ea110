import { CronPattern } from 'croner';
import { z } from 'zod';
import { duration } from './units.js';

/** The parser's own reason for refusing an expression, or undefined when it is valid. */
function cronProblem(value: string): string | undefined {
  try {
    new CronPattern(value);
    return undefined;
  } catch (error) {
    return (error instanceof Error ? error.message : String(error)).replace(/^CronPattern:\s*/, '');
  }
}

export const cronExpression = z.string().superRefine((value, ctx) => {
  const problem = cronProblem(value);
  if (problem)
    ctx.addIssue({ code: 'custom', message: `not a cron expression (e.g. "*/10 * * * * *"): ${problem}` });
});

/** Overrides for one check, keyed by its `component:measurement` name. */
export const checkOverrideSchema = z
  .object({
    /** Run it at all. */
    enabled: z.boolean().optional(),
    /** Threshold at which the observed value warns. */
    warn: z.number().optional(),
    /** Threshold at which the observed value fails. */
    fail: z.number().optional(),
    /** Per-run time limit. */
    timeout: duration.optional(),
    /** Cron schedule (seconds field allowed). */
    schedule: cronExpression.optional(),
    /** Which probe a failure takes down. */
    affects: z.enum(['live', 'ready', 'none']).optional(),
    /** Consecutive bad results before the reported status gets worse. */
    failures_before_fail: z.number().int().min(1).max(100).optional(),
    /** Consecutive good results before the reported status gets better. */
    successes_before_pass: z.number().int().min(1).max(100).optional(),
  })
  .strict();
export type CheckOverride = z.infer<typeof checkOverrideSchema>;

/** The `health:` config section; every key has a default that works on a single host. */
export const healthConfigSchema = z
  .object({
    enabled: z.boolean().default(true),
    schedules: z
      .object({
        fast: cronExpression.default('*/10 * * * * *'),
        deep: cronExpression.default('0 * * * * *'),
        canary: cronExpression.default('30 */5 * * * *'),
        prune: cronExpression.default('17 * * * *'),
        metrics: cronExpression.default('*/15 * * * * *'),
      })
      .strict()
      .prefault({}),
    timeout: duration.prefault('2s'),
    failures_before_fail: z.number().int().min(1).max(100).default(2),
    successes_before_pass: z.number().int().min(1).max(100).default(2),
    fresh_min_interval: duration.prefault('5s'),
    drain_delay: duration.prefault('0s'),
    history: z
      .object({
        enabled: z.boolean().default(true),
        retention: duration.prefault('7d'),
        sample_every: duration.prefault('1m'),
        flush_every: duration.prefault('10s'),
      })
      .strict()
      .prefault({}),
    alert: z
      .object({
        webhook_url: z.string().url().optional(),
        command: z.array(z.string()).min(1).optional(),
        statuses: z.array(z.enum(['pass', 'warn', 'fail'])).default(['pass', 'warn', 'fail']),
        timeout: duration.prefault('5s'),
      })
      .strict()
      .prefault({}),
    /** Agent profile of the business canary task; no canary unless set (each run starts an agent). */
    canary_profile: z.string().min(1).optional(),
    checks: z
      .record(
        z.string().regex(/^[a-z0-9_-]+:[a-z0-9_-]+$/, 'check names are component:measurement'),
        checkOverrideSchema,
      )
      .default({}),
  })
  .strict();

/** The parsed `health:` section. */
export type HealthConfig = z.output<typeof healthConfigSchema>;
