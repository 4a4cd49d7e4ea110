import type { z } from 'zod';
import type { ClusterNode } from '../cluster.js';
import type { HealthChange, HealthDocument } from '../health.js';
import type { NodeInfo, OperationName, Topic } from '../protocol.js';
import type { Task } from '../tasks.js';
import type { ChaosOperationTypes } from './chaos.js';
import type { ChaosTopicChange, ChaosTopicSnapshot } from './chaos-topic.js';
import type {
  nodeDrainReplySchema,
  nodeDrainSchema,
  nodeUndrainSchema,
  taskMoveReplySchema,
  taskMoveSchema,
} from './pool.js';
import type {
  cancelTaskSchema,
  listTasksSchema,
  submitTaskReplySchema,
  submitTaskSchema,
  taskDetailSchema,
  taskIdSchema,
  taskListReplySchema,
  taskLogsReplySchema,
  taskLogsSchema,
} from './tasks.js';

/** Input and result type of every client operation (the typed client and the server agree on them). */
export interface OperationTypes extends ChaosOperationTypes {
  /** Accept a task. */
  'task.submit': { input: z.input<typeof submitTaskSchema>; result: z.infer<typeof submitTaskReplySchema> };
  /** A page of tasks, newest first. */
  'task.list': { input: z.input<typeof listTasksSchema>; result: z.infer<typeof taskListReplySchema> };
  /** One task with its events. */
  'task.get': { input: z.input<typeof taskIdSchema>; result: z.infer<typeof taskDetailSchema> };
  /** Cancel a queued task, or ask a running one to stop. */
  'task.cancel': { input: z.input<typeof cancelTaskSchema>; result: { task: Task } };
  /** Queue a failed, dead or cancelled task again. */
  'task.retry': { input: z.input<typeof taskIdSchema>; result: { task: Task } };
  /** Output of one attempt. */
  'task.logs': { input: z.input<typeof taskLogsSchema>; result: z.infer<typeof taskLogsReplySchema> };
  /** Run a task on another node (queued: retarget; running: stop on the source, start on the target). */
  'task.move': { input: z.input<typeof taskMoveSchema>; result: z.infer<typeof taskMoveReplySchema> };
  /** Stop a node claiming; its running tasks finish (or move, with `move`) by the deadline. */
  'node.drain': { input: z.input<typeof nodeDrainSchema>; result: z.infer<typeof nodeDrainReplySchema> };
  /** Let a drained node claim again. */
  'node.undrain': { input: z.input<typeof nodeUndrainSchema>; result: z.infer<typeof nodeDrainReplySchema> };
  /** This node's summary. */
  'node.info': { input: Record<string, never>; result: NodeInfo };
  /** Every cluster member as this daemon sees it (itself included). */
  'node.list': { input: Record<string, never>; result: { nodes: ClusterNode[] } };
  /** One cluster member. */
  'node.show': { input: { id: string }; result: { node: ClusterNode } };
  /** Subscribe to topics (WebSocket only). */
  subscribe: { input: { topics: Topic[]; task_id?: string }; result: { subscribed: Topic[] } };
  /** Unsubscribe from topics (WebSocket only). */
  unsubscribe: { input: { topics: Topic[]; task_id?: string }; result: { unsubscribed: Topic[] } };
}

/** What each `/v1/client` topic pushes: its snapshot first, then one change per frame. */
export interface TopicPayloads {
  /** Recent tasks, then each changed task (long messages cut, see summarizeTask). */
  tasks: { snapshot: Task[]; change: Task };
  /** The deep health document, then each check's status change. */
  health: { snapshot: HealthDocument; change: HealthChange };
  /** One task's recent output, then each new line of its runs on this daemon. */
  logs: {
    snapshot: z.infer<typeof taskLogsReplySchema>;
    change: { stream: 'stdout' | 'stderr'; text: string };
  };
  /** Every cluster member, then each member that changed (`removed: true` once reaped). */
  nodes: { snapshot: ClusterNode[]; change: ClusterNode };
  /** This node's chaos status and the drills, then each fault injected or reverted and each drill's progress. */
  chaos: { snapshot: ChaosTopicSnapshot; change: ChaosTopicChange };
}

/** Input of an operation. */
export type OperationInput<K extends OperationName> = OperationTypes[K]['input'];
/** Result of an operation. */
export type OperationResult<K extends OperationName> = OperationTypes[K]['result'];

/** How one operation is reached over HTTP. */
export interface OperationRoute {
  /** HTTP method. */
  method: 'GET' | 'POST';
  /** Path under the daemon's URL, with `:id` for the task id. */
  path: string;
  /** Status of a success (201 for a new task). */
  status?: number;
  /** Which input keys go in the query string (GET); the rest of a POST's input is the JSON body. */
  query?: readonly string[];
}

/** The HTTP route of every operation that has one: the one place route strings are spelled. */
export const OPERATION_ROUTES = {
  'task.submit': { method: 'POST', path: '/api/v1/tasks', status: 201 },
  'task.list': { method: 'GET', path: '/api/v1/tasks', query: ['state', 'label', 'limit', 'before'] },
  'task.get': { method: 'GET', path: '/api/v1/tasks/:id' },
  'task.cancel': { method: 'POST', path: '/api/v1/tasks/:id/cancel' },
  'task.retry': { method: 'POST', path: '/api/v1/tasks/:id/retry' },
  'task.logs': { method: 'GET', path: '/api/v1/tasks/:id/logs', query: ['attempt', 'tail'] },
  'node.info': { method: 'GET', path: '/api/v1/node' },
  'chaos.list': { method: 'GET', path: '/api/v1/chaos' },
  'chaos.run': { method: 'POST', path: '/api/v1/chaos/runs', status: 202 },
  'chaos.inject': { method: 'POST', path: '/api/v1/chaos/faults', status: 201 },
  'chaos.status': { method: 'GET', path: '/api/v1/chaos/status' },
  'chaos.abort': { method: 'POST', path: '/api/v1/chaos/abort' },
  'chaos.report': { method: 'GET', path: '/api/v1/chaos/runs/:id' },
  'node.list': { method: 'GET', path: '/api/v1/nodes' },
  'node.show': { method: 'GET', path: '/api/v1/nodes/:id' },
  'task.move': { method: 'POST', path: '/api/v1/tasks/:id/move' },
  'node.drain': { method: 'POST', path: '/api/v1/nodes/:id/drain' },
  'node.undrain': { method: 'POST', path: '/api/v1/nodes/:id/undrain' },
} as const satisfies Partial<Record<OperationName, OperationRoute>>;

/** Operations with an HTTP route. */
export type HttpOperationName = keyof typeof OPERATION_ROUTES;

/** The health endpoints (IETF health+json) by view. */
export const HEALTH_PATHS = {
  live: '/health',
  ready: '/health/ready',
  startup: '/health/startup',
  deep: '/health/deep',
  cluster: '/health/cluster',
} as const;

/** Another name of the liveness endpoint (Kubernetes habit). */
export const HEALTH_LIVE_ALIAS = '/health/live';

/** Which health document to fetch. */
export type HealthPathView = keyof typeof HEALTH_PATHS;

/** Operator views that are HTTP only (`aidos status`, `aidos logs`); see shared/api/operator.ts. */
export const OPERATOR_PATHS = {
  status: '/api/v1/status',
  logs: '/api/v1/logs',
} as const;

/** The Prometheus endpoint. */
export const METRICS_PATH = '/metrics';
/** The client WebSocket path. */
export const CLIENT_SOCKET_PATH = '/v1/client';
