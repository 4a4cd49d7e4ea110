import { z } from 'zod';
import { duration } from '../../daemon/config/units.js';
import { faultSpecSchema } from '../faults/spec.js';

const healthStatus = z.enum(['pass', 'warn', 'fail']);

/** What "working normally" means; checked before the faults and again for recovery. */
export const hypothesisSchema = z
  .object({
    /** Readiness statuses (/health/ready) that count as steady. */
    health: z.array(healthStatus).min(1).default(['pass', 'warn']),
    /** Share of the drill's own tasks that must succeed, 0..1. */
    task_success_rate: z.number().min(0).max(1).default(1),
    /** Oldest claimable queued task may wait at most this long. */
    max_queue_age: duration.optional(),
    /** The health checks must notice the fault within this long (time to detect); unchecked when absent. */
    max_detection: duration.optional(),
    /** After the revert, the steady state must be back within this long. */
    max_recovery: duration.prefault('60s'),
  })
  .strict();

/** Blast radius: how many nodes a drill may touch; never all of a cluster of two or more. */
export const scopeSchema = z
  .object({
    /** Nodes faulted: a count, or a percent string like "30%". */
    nodes: z
      .union([
        z.number().int().min(1),
        z.string().regex(/^\d{1,3}%$/, 'must be a count or a percent like "30%"'),
      ])
      .default(1),
    /** Node ids never targeted. */
    protected: z.array(z.string().min(1)).default([]),
  })
  .strict();

/** Tasks the drill submits while it runs, so lost and twice-completed tasks are counted, not assumed. */
export const loadSchema = z
  .object({
    /** How many tasks. */
    tasks: z.number().int().min(0).max(10_000).default(6),
    /** Their message (the stand-in agent reads behaviours from it). */
    message: z.string().min(1).default('drill'),
    /** Gap between submissions. */
    every: duration.prefault('500ms'),
    /** Attempts each task may use (retries are how the cluster absorbs a killed agent). */
    max_attempts: z.number().int().min(1).max(100).default(5),
  })
  .strict();

/** A condition checked continuously while faults are in force; when it fires, everything is reverted. */
export const abortSchema = z.discriminatedUnion('when', [
  z
    .object({
      when: z.literal('health_fail'),
      /** Readiness has failed for longer than this. */
      for: duration,
    })
    .strict(),
  z
    .object({
      when: z.literal('tasks_dead'),
      /** More than this many drill tasks dead or failed. */
      above: z.number().int().min(0),
    })
    .strict(),
  z
    .object({
      when: z.literal('queue_age'),
      /** The oldest queued task is older than this. */
      above: duration,
    })
    .strict(),
]);
export type AbortCondition = z.infer<typeof abortSchema>;

const faultStepSchema = z
  .object({
    /** Label in the timeline. */
    name: z.string().min(1).max(100).optional(),
    /** The fault. */
    fault: faultSpecSchema,
    /** How long it stays in force. */
    duration: duration,
    /** The step must be over (injected, held, reverted) within this; default duration + 10 s. */
    deadline: duration.optional(),
  })
  .strict();

const waitStepSchema = z.object({ /** A pause between steps. */ wait: duration }).strict();

/** A step: one fault, a wait, or steps in series or in parallel. */
export type Step =
  | z.infer<typeof faultStepSchema>
  | z.infer<typeof waitStepSchema>
  | { series: Step[] }
  | { parallel: Step[] };

export const stepSchema: z.ZodType<Step, unknown> = z.lazy(() =>
  z.union([
    faultStepSchema,
    waitStepSchema,
    z.object({ /** Steps one after the other. */ series: z.array(stepSchema).min(1) }).strict(),
    z.object({ /** Steps at the same time. */ parallel: z.array(stepSchema).min(1) }).strict(),
  ]),
);

/** One scenario file of chaos/scenarios/. */
export const scenarioSchema = z
  .object({
    /** Must equal the file name without .yaml. */
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lowercase letters, digits and "-"'),
    /** What it proves, for the report. */
    description: z.string().min(1),
    /** What the scenario needs: `postgres` (a PostgreSQL store), `cluster` (2+ nodes), `agents` (a worker role). */
    requires: z.array(z.enum(['postgres', 'cluster', 'agents'])).default([]),
    /** The verdict the library expects on a healthy cluster (tests hold every scenario to it). */
    expect: z.enum(['passed', 'failed']).default('passed'),
    hypothesis: hypothesisSchema.prefault({}),
    scope: scopeSchema.prefault({}),
    load: loadSchema.prefault({}),
    /** The faults, in series. */
    steps: z.array(stepSchema).min(1),
    /** Conditions that stop the drill early. */
    abort: z.array(abortSchema).default([]),
    /** Sampling of health, tasks and membership into the timeline. */
    observe: z
      .object({ every: duration.prefault('500ms') })
      .strict()
      .prefault({}),
  })
  .strict();
export type Scenario = z.infer<typeof scenarioSchema>;
