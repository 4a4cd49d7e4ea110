import { z } from 'zod';
import { DurationError, parseDuration } from '../duration.js';
import { taskSchema } from '../tasks.js';

const nodeId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'must be a node id: 1-63 letters, digits, ".", "_" or "-"');

/** Longest drain deadline (a week): a longer one is a typo, not a plan. */
export const MAX_DRAIN_DEADLINE_MS = 7 * 86_400_000;

/**
 * A duration as text (`10m`), checked with the one duration rule of shared/duration: the key's name
 * states no unit, so a bare number is refused (showing how to write it), 0 excepted.
 */
const deadline = z.union([z.string(), z.number().int().min(0)]).superRefine((value, ctx) => {
  try {
    const ms = parseDuration(value);
    if (ms > MAX_DRAIN_DEADLINE_MS) ctx.addIssue({ code: 'custom', message: 'must be at most 7d' });
  } catch (error) {
    if (!(error instanceof DurationError)) throw error;
    ctx.addIssue({ code: 'custom', message: error.message });
  }
});

/** `node.drain` (POST /api/v1/nodes/:id/drain): the node stops claiming; its running tasks finish or move. */
export const nodeDrainSchema = z
  .object({
    /** The node to drain. */
    id: nodeId,
    /** By when its running tasks must be gone (`10m`); default 10m. */
    deadline: deadline.optional(),
    /** Move its running tasks to other nodes now instead of letting them finish. */
    move: z.boolean().optional(),
  })
  .strict();
export type NodeDrainRequest = z.input<typeof nodeDrainSchema>;

/** `node.undrain` (POST /api/v1/nodes/:id/undrain): the node claims again. */
export const nodeUndrainSchema = z.object({ /** The node. */ id: nodeId }).strict();

/** `task.move` (POST /api/v1/tasks/:id/move): run the task on another node. */
export const taskMoveSchema = z
  .object({
    /** The task id. */
    id: z.string().min(1).max(100),
    /** The node to run it on. */
    node: nodeId,
  })
  .strict();
export type TaskMoveRequest = z.input<typeof taskMoveSchema>;

/** A node's stored drain (it survives the node's restart). */
export const nodeDrainStateSchema = z.object({
  /** The node. */
  node_id: z.string(),
  /** It claims no new tasks. */
  draining: z.boolean(),
  /** When the drain was asked for (epoch ms; null: not draining). */
  since: z.number().nullable(),
  /** By when its running tasks must be gone (epoch ms; null: not draining). */
  deadline_at: z.number().nullable(),
  /** Its running tasks are moved rather than left to finish. */
  move: z.boolean(),
  /** Tasks still running on it. */
  running: z.array(z.string()),
});
export type NodeDrainState = z.infer<typeof nodeDrainStateSchema>;

/** Reply of `node.drain` and `node.undrain`. */
export const nodeDrainReplySchema = z.object({ /** The node's drain now. */ drain: nodeDrainStateSchema });

/** Reply of `task.move`. */
export const taskMoveReplySchema = z.object({
  /** The task after the move was recorded. */
  task: taskSchema,
  /** retargeted: it was queued and is now pinned to the node; moving: its run stops on the source first. */
  outcome: z.enum(['retargeted', 'moving']),
});
