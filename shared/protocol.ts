import { z } from 'zod';
import { wireErrorSchema } from './errors.js';

/** Version in the WebSocket paths (/v1/client, /v1/peer) and the HTTP prefix (/api/v1). */
export const PROTOCOL_VERSION = 'v1';

/** Limits a daemon enforces on client connections (documented in docs/protocol.md). */
export const CLIENT_LIMITS = {
  /** Largest frame accepted; larger closes the socket with code 1009. */
  maxFrameBytes: 5 * 1024 * 1024,
  /** Sustained requests per second per connection; beyond it requests get `rate_limited`. */
  messagesPerSecond: 50,
  /** Burst allowance above the sustained rate. */
  burst: 100,
  /** Simultaneous client connections from one address. */
  connectionsPerAddress: 32,
} as const;

/** Every operation a client may call, over WebSocket (`op`) or its HTTP route. */
export const operationNameSchema = z.enum([
  'task.submit',
  'task.list',
  'task.get',
  'task.cancel',
  'task.retry',
  'task.logs',
  'node.info',
  'chaos.list',
  'chaos.run',
  'chaos.inject',
  'chaos.status',
  'chaos.abort',
  'chaos.report',
  'node.list',
  'node.show',
  'task.move',
  'node.drain',
  'node.undrain',
  'subscribe',
  'unsubscribe',
]);
export type OperationName = z.infer<typeof operationNameSchema>;

/** Client → daemon: call an operation. */
export const requestFrameSchema = z
  .object({
    /** Frame kind. */
    type: z.literal('request'),
    /** Echoed in the reply; unique per connection while pending. */
    id: z.union([z.string().min(1).max(64), z.number().int()]),
    /** Operation to call. */
    op: operationNameSchema,
    /** Operation input (validated against the operation's schema). */
    params: z.unknown().optional(),
  })
  .strict();
export type RequestFrame = z.infer<typeof requestFrameSchema>;

/** Daemon → client: the answer to one request. */
export const replyFrameSchema = z.union([
  z.object({
    /** Frame kind. */
    type: z.literal('reply'),
    /** The request's id. */
    id: z.union([z.string(), z.number()]),
    /** Success. */
    ok: z.literal(true),
    /** Operation output. */
    result: z.unknown(),
  }),
  z.object({
    /** Frame kind. */
    type: z.literal('reply'),
    /** The request's id (null when the frame could not be parsed). */
    id: z.union([z.string(), z.number(), z.null()]),
    /** Failure. */
    ok: z.literal(false),
    /** What went wrong, naming the field when input is to blame. */
    error: wireErrorSchema,
  }),
]);
export type ReplyFrame = z.infer<typeof replyFrameSchema>;

/** Topics a client can subscribe to. */
export const topicSchema = z.enum(['tasks', 'health', 'nodes', 'logs', 'chaos']);
export type Topic = z.infer<typeof topicSchema>;

/** Daemon → client: pushed data for a subscription (a snapshot first, then changes). */
export const eventFrameSchema = z.object({
  /** Frame kind. */
  type: z.literal('event'),
  /** Which subscription. */
  topic: topicSchema,
  /** snapshot: the full current state; change: one update. */
  kind: z.enum(['snapshot', 'change']),
  /** Topic-specific payload (tasks: Task[] or Task; logs: {id, attempt, stream, text}). */
  data: z.unknown(),
});
export type EventFrame = z.infer<typeof eventFrameSchema>;

/** Input of `subscribe` / `unsubscribe`. */
export const subscribeSchema = z
  .object({
    /** Topics to (un)subscribe. */
    topics: z.array(topicSchema).min(1),
    /** For the logs topic: the task whose live output to follow. */
    task_id: z.string().min(1).max(100).optional(),
  })
  .strict();

/** Input of operations that take none. */
export const emptyParamsSchema = z.object({}).strict();

/** Reply of `node.info` (GET /api/v1/node). */
export const nodeInfoSchema = z.object({
  /** Node id. */
  node_id: z.string(),
  /** host:port it listens on. */
  address: z.string(),
  /** aidos version. */
  version: z.string(),
  /** Roles it takes. */
  roles: z.array(z.string()),
  /** sqlite or postgres. */
  store: z.enum(['sqlite', 'postgres']),
  /** Store reachable and migrated. */
  store_ready: z.boolean(),
  /** Lifecycle phase. */
  phase: z.enum(['starting', 'running', 'draining', 'stopped']),
  /** When it started (epoch ms). */
  started_at: z.number(),
  /** Agent slots on this node. */
  slots: z.number().int(),
  /** Slots free now. */
  free_slots: z.number().int(),
  /** Ids of tasks running here. */
  running: z.array(z.string()),
  /** Long-lived agent services and their state. */
  services: z.array(
    z.object({
      /** Service name (agents.services key). */
      name: z.string(),
      /** starting, running, backoff, errored or stopped. */
      state: z.string(),
      /** Current pid, if running. */
      pid: z.number().int().nullable(),
      /** Restarts so far. */
      restarts: z.number().int(),
    }),
  ),
});
export type NodeInfo = z.infer<typeof nodeInfoSchema>;
