import { z } from 'zod';
import { parseDuration } from '../duration.js';
import { taskEventSchema, taskSchema, taskStateSchema } from '../tasks.js';

/** Largest message a task may carry, in UTF-8 bytes. */
export const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

const labelKey = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._/-]{0,62}$/, 'label keys are 1-63 letters, digits, ".", "_", "/" or "-"');

/** POST /api/v1/tasks and the `task.submit` operation. */
export const submitTaskSchema = z
  .object({
    /** The prompt handed to the agent. */
    message: z
      .string()
      .min(1, 'must not be empty')
      .refine(
        (m) => Buffer.byteLength(m, 'utf8') <= MAX_MESSAGE_BYTES,
        `must be at most ${MAX_MESSAGE_BYTES} bytes`,
      ),
    /** Agent profile (default: agents.default_profile). */
    profile: z.string().min(1).max(63).optional(),
    /** Higher runs first; -1000..1000, default 0. */
    priority: z.number().int().min(-1000).max(1000).optional(),
    /** Runs allowed before the task is dead-lettered, 1..100. */
    max_attempts: z.number().int().min(1).max(100).optional(),
    /** Time limit of one run: seconds, or a duration such as "10m" (default: the profile's timeout). */
    timeout_s: z
      .union([
        z
          .number()
          .min(0.001, 'must be at least 0.001 (one millisecond)')
          .max(7 * 24 * 3600),
        z.string(),
      ])
      .transform((value, ctx) => {
        if (typeof value === 'number') return value;
        try {
          // The one duration rule: units always; a bare "90" is seconds, as the key's name says.
          return parseDuration(value, 's') / 1000;
        } catch (error) {
          ctx.addIssue({ code: 'custom', message: (error as Error).message });
          return z.NEVER;
        }
      })
      .pipe(
        z
          .number()
          .min(0.001, 'must be at least 0.001 (one millisecond)')
          .max(7 * 24 * 3600),
      )
      .optional(),
    /** Free-form labels. */
    labels: z
      .record(labelKey, z.string().max(256))
      .refine((l) => Object.keys(l).length <= 32, 'at most 32 labels')
      .optional(),
    /** Only this node may run it (`aidos task submit --node`). */
    node: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'must be a node id: 1-63 letters, digits, ".", "_" or "-"')
      .optional(),
    /** Labels a node must advertise (node.labels) to run it (`--require k=v`). */
    require: z
      .record(labelKey, z.string().max(256))
      .refine((l) => Object.keys(l).length <= 32, 'at most 32 requirements')
      .optional(),
    /** A second submit with the same key returns the first task instead of creating another. */
    idempotency_key: z.string().min(1).max(200).optional(),
    /** Do not start before this time (epoch ms or ISO 8601). */
    run_after: z.union([z.number().int().nonnegative(), z.iso.datetime({ offset: true })]).optional(),
  })
  .strict();
export type SubmitTaskRequest = z.infer<typeof submitTaskSchema>;

/** Reply to a submit. */
export const submitTaskReplySchema = z.object({
  /** The task (new, or the earlier one with the same idempotency key). */
  task: taskSchema,
  /** False when an idempotency key matched an existing task. */
  created: z.boolean(),
});

/** GET /api/v1/tasks query and the `task.list` operation. */
export const listTasksSchema = z
  .object({
    /** Only these states (comma-separated in a query string). */
    state: z.array(taskStateSchema).optional(),
    /** Only tasks with this label, as key=value. */
    label: z
      .string()
      .regex(/^[^=]+=.*$/, 'must be key=value')
      .optional(),
    /** Page size, 1..1000 (default 100). */
    limit: z.number().int().min(1).max(1000).optional(),
    /** Tasks older than this id (the last id of the previous page). */
    before: z.string().optional(),
  })
  .strict();
export type ListTasksRequest = z.infer<typeof listTasksSchema>;

/** Identifies one task. */
export const taskIdSchema = z.object({ /** The task id. */ id: z.string().min(1).max(100) }).strict();

/** The `task.cancel` operation (POST /api/v1/tasks/:id/cancel body). */
export const cancelTaskSchema = z
  .object({
    /** The task id. */
    id: z.string().min(1).max(100),
    /** Why, for the event log. */
    reason: z.string().max(500).optional(),
  })
  .strict();

/** The `task.logs` operation (GET /api/v1/tasks/:id/logs). */
export const taskLogsSchema = z
  .object({
    /** The task id. */
    id: z.string().min(1).max(100),
    /** Which attempt (default: the latest). */
    attempt: z.number().int().min(1).optional(),
    /** Only the last N lines (default 200, at most 10000). */
    tail: z.number().int().min(1).max(10_000).optional(),
  })
  .strict();

/** A task with its history (GET /api/v1/tasks/:id). */
export const taskDetailSchema = z.object({
  /** The task. */
  task: taskSchema,
  /** Its events, oldest first. */
  events: z.array(taskEventSchema),
  /** Why a queued task waits: no live worker node may take it (pinned elsewhere, labels missing). */
  waiting: z.string().optional(),
});

/** A page of tasks. */
export const taskListReplySchema = z.object({
  /** Tasks, newest first. */
  tasks: z.array(taskSchema),
  /** Pass as `before` for the next page; null on the last page. */
  next: z.string().nullable(),
});

/** Output lines of one attempt. */
export const taskLogsReplySchema = z.object({
  /** The task id. */
  id: z.string(),
  /** The attempt shown. */
  attempt: z.number().int(),
  /** Lines, oldest first; `log` = read back from the log file, where stdout and stderr are merged. */
  lines: z.array(
    z.object({
      /** stdout, stderr or log. */ stream: z.enum(['stdout', 'stderr', 'log']),
      /** The text. */ text: z.string(),
    }),
  ),
  /** The run has ended (no more lines will come). */
  ended: z.boolean(),
});
