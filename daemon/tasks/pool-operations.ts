import {
  type NodeDrainState,
  nodeDrainSchema,
  nodeUndrainSchema,
  taskMoveSchema,
} from '../../shared/api/pool.js';
import type { ClusterNode } from '../../shared/cluster.js';
import { parseDuration } from '../../shared/duration.js';
import { FINAL_TASK_STATES } from '../../shared/tasks.js';
import { type Operation, operation } from '../api/operation.js';
import { ApiError } from '../server/api-error.js';
import type { NodeStore, PoolStore, TaskStore } from '../store/facets.js';
import type { NodeRecord } from '../store/types.js';
import { NODE_STALE_MS, nodeLabels } from './placement.js';
import type { TaskFeed } from './task-feed.js';

/** Drain deadline when the operator gives none. */
export const DEFAULT_DRAIN_DEADLINE = '10m';

/** What the pool operations read and write. */
export interface PoolOperationDeps {
  /** Tasks (lookups, the running tasks of a node). */
  tasks: TaskStore;
  /** Node rows (who exists, heartbeats, labels, roles). */
  nodes: NodeStore;
  /** Drains and moves. */
  pool: PoolStore;
  /** Where changed tasks are published. */
  feed: TaskFeed;
  /** Membership as gossip sees it, when the cluster module runs (looked up per call). */
  member: (id: string) => ClusterNode | undefined;
  /** This node's id (recorded on the events). */
  selfId: string;
  /** Clock. */
  now: () => number;
}

/**
 * `node.drain`, `node.undrain` and `task.move`. Each only records the operator's intent in the
 * store, after checking it can be carried out; the node that owns the agents acts on it (see
 * DrainWatch), so these work from any node, api-only ones included.
 */
export function poolOperations(deps: PoolOperationDeps): Operation[] {
  /** A node row that can act now: known, and alive by gossip and by its heartbeat row. */
  const liveNode = async (id: string, field: string): Promise<NodeRecord> => {
    const row = (await deps.nodes.listNodes()).find((n) => n.id === id);
    if (!row) throw new ApiError('not_found', `${field}: no node ${id} is known to the cluster`, field);
    const member = deps.member(id);
    const goneByGossip = member !== undefined && (member.state === 'dead' || member.state === 'left');
    const stale = deps.now() - row.heartbeat_at > NODE_STALE_MS || row.status === 'left';
    if (goneByGossip || stale)
      throw new ApiError(
        'conflict',
        `${field}: node ${id} is ${member?.state === 'left' || row.status === 'left' ? 'gone (left)' : 'dead'}; it cannot act on this`,
        field,
      );
    return row;
  };

  const drainState = async (id: string): Promise<NodeDrainState> => {
    const drain = await deps.pool.nodeDrain(id);
    const running = (await deps.tasks.listTasks({ states: ['running'], limit: 1000 }))
      .filter((t) => t.node_id === id)
      .map((t) => t.id);
    return {
      node_id: id,
      draining: drain !== undefined,
      since: drain?.since ?? null,
      deadline_at: drain?.deadline_at ?? null,
      move: drain?.move ?? false,
      running,
    };
  };

  return [
    operation({
      name: 'node.drain',
      input: nodeDrainSchema,
      handle: async (input) => {
        const node = await liveNode(input.id, 'id');
        if (!node.roles.includes('worker'))
          throw new ApiError(
            'conflict',
            `id: node ${input.id} has no worker role: it runs no tasks to drain`,
            'id',
          );
        const raw = input.deadline ?? DEFAULT_DRAIN_DEADLINE;
        const deadlineMs = parseDuration(raw);
        await deps.pool.setNodeDrain(input.id, { deadline_ms: deadlineMs, move: input.move ?? false });
        const drain = await drainState(input.id);
        for (const id of drain.running)
          await deps.tasks.appendTaskEvent(id, 'drain_requested', deps.selfId, {
            node: input.id,
            deadline_ms: deadlineMs,
            move: input.move ?? false,
          });
        return { drain };
      },
    }),
    operation({
      name: 'node.undrain',
      input: nodeUndrainSchema,
      handle: async (input) => {
        if (!(await deps.pool.setNodeDrain(input.id, null)))
          throw new ApiError('not_found', `id: no node ${input.id} is known to the cluster`, 'id');
        return { drain: await drainState(input.id) };
      },
    }),
    operation({
      name: 'task.move',
      input: taskMoveSchema,
      handle: async (input) => {
        const task = await deps.tasks.getTask(input.id);
        if (!task) throw new ApiError('not_found', `id: no task ${input.id}`, 'id');
        if (FINAL_TASK_STATES.includes(task.state))
          throw new ApiError(
            'conflict',
            `id: task ${task.id} is ${task.state}; only a queued or running task can move`,
            'id',
          );
        const target = await liveNode(input.node, 'node');
        if (!target.roles.includes('worker'))
          throw new ApiError(
            'conflict',
            `node: node ${input.node} has no worker role: it runs no agents`,
            'node',
          );
        const labels = nodeLabels(target);
        const missing = Object.entries(task.require ?? {})
          .filter(([k, v]) => labels[k] !== v)
          .map(([k, v]) => `${k}=${v}`);
        if (missing.length > 0)
          throw new ApiError(
            'conflict',
            `node: node ${input.node} does not advertise ${missing.join(', ')}, which task ${task.id} requires`,
            'node',
          );
        if (await deps.pool.nodeDrain(input.node))
          throw new ApiError('conflict', `node: node ${input.node} is drained; undrain it first`, 'node');
        if (task.state === 'running') {
          if (task.node_id === input.node)
            throw new ApiError(
              'conflict',
              `node: task ${task.id} already runs on node ${input.node}`,
              'node',
            );
          const source = task.node_id ? deps.member(task.node_id) : undefined;
          if (source && (source.state === 'dead' || source.state === 'left'))
            throw new ApiError(
              'conflict',
              `id: task ${task.id} runs on node ${task.node_id}, which is ${source.state}: failover re-queues it; move it once it is queued`,
              'id',
            );
        }
        const moved = await deps.pool.requestMove(task.id, input.node, deps.selfId);
        if (!moved) throw new ApiError('not_found', `id: no task ${input.id}`, 'id');
        if (moved.outcome === 'refused')
          throw new ApiError(
            'conflict',
            `id: task ${task.id} is ${moved.task.state} now; only a queued or running task can move`,
            'id',
          );
        deps.feed.publish(moved.task);
        return { task: moved.task, outcome: moved.outcome };
      },
    }),
  ];
}
