import { z } from 'zod';

/** How much of a message lists and pushed events carry; a 4 MiB prompt per row would make huge frames. */
export const LIST_MESSAGE_CHARS = 65_536;

/** The task as lists and pushed events show it: a long message cut, with its length. */
export function summarizeTask(task: Task): Task {
  if (task.message.length <= LIST_MESSAGE_CHARS) return task;
  return {
    ...task,
    message: task.message.slice(0, LIST_MESSAGE_CHARS),
    message_truncated: true,
    message_length: task.message.length,
  };
}

/** Every state a task can be in; the last four are final. */
export const taskStateSchema = z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled', 'dead']);
export type TaskState = z.infer<typeof taskStateSchema>;
export const FINAL_TASK_STATES: readonly TaskState[] = ['succeeded', 'failed', 'cancelled', 'dead'];
/** Final states `task retry` may put back in the queue (everything final but success). */
export const RETRYABLE_TASK_STATES: readonly TaskState[] = ['failed', 'dead', 'cancelled'];

/** A task as the API returns it. Times are epoch milliseconds. */
export const taskSchema = z.object({
  /** Unique, time-sortable id (`t_…`). */
  id: z.string(),
  /** Client-chosen key that makes a submit idempotent. */
  idempotency_key: z.string().nullable(),
  /** Agent profile that runs it. */
  profile: z.string(),
  /** The prompt handed to the agent. */
  message: z.string(),
  /** Higher runs first. */
  priority: z.number().int(),
  /** Where it is in its lifecycle. */
  state: taskStateSchema,
  /** Runs started so far. */
  attempt: z.number().int(),
  /** Runs allowed before it is dead-lettered. */
  max_attempts: z.number().int(),
  /** Hard time limit of one run. */
  timeout_ms: z.number().int(),
  /** Free-form key/value labels. */
  labels: z.record(z.string(), z.string()),
  /** Not started before this time. */
  run_after: z.number(),
  /** When it was accepted. */
  created_at: z.number(),
  /** Last change of any field. */
  updated_at: z.number(),
  /** When its latest run started. */
  started_at: z.number().nullable(),
  /** When it reached a final state. */
  finished_at: z.number().nullable(),
  /** Node it is pinned to (`--node`): only that node may claim it. */
  pin_node: z.string().nullable().optional(),
  /** Labels a node must advertise to claim it (`--require k=v`). */
  require: z.record(z.string(), z.string()).optional(),
  /** While running: the node an operator asked to move it to (`aidos task move`); its owner stops it first. */
  move_to: z.string().nullable().optional(),
  /** Node that runs (or last ran) it. */
  node_id: z.string().nullable(),
  /** While running: when the owner's lease lapses unless renewed. */
  lease_expires_at: z.number().nullable(),
  /** Fencing token of the latest claim; completions must present it. */
  fence: z.number().int(),
  /** A cancel was asked for while it ran. */
  cancel_requested: z.boolean(),
  /** The agent's parsed result (OpenClaw envelope fields), when it has one. */
  result: z.unknown().nullable(),
  /** Why the latest run failed, when it did. */
  error: z.string().nullable(),
  /** Lists and pushed events cut `message` to its first LIST_MESSAGE_CHARS characters: true when cut (task.get returns it whole). */
  message_truncated: z.boolean().optional(),
  /** Length of the whole message in characters, when `message` was cut. */
  message_length: z.number().int().optional(),
});
export type Task = z.infer<typeof taskSchema>;

/** One entry of a task's history. */
export const taskEventSchema = z.object({
  /** Increasing per store. */
  id: z.number().int(),
  /** Task it belongs to. */
  task_id: z.string(),
  /** When it happened (epoch ms). */
  at: z.number(),
  /** What happened: submitted, claimed, started, succeeded, failed, retry_scheduled, dead, cancelled, … */
  kind: z.string(),
  /** Node that caused it, when one did. */
  node_id: z.string().nullable(),
  /** Attempt number at the time. */
  attempt: z.number().int(),
  /** Fencing token at the time. */
  fence: z.number().int(),
  /** Kind-specific details. */
  detail: z.record(z.string(), z.unknown()),
});
export type TaskEvent = z.infer<typeof taskEventSchema>;
