import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import * as chaosApi from '../../shared/api/chaos.js';
import * as chaosTopic from '../../shared/api/chaos-topic.js';
import * as poolApi from '../../shared/api/pool.js';
import * as tasksApi from '../../shared/api/tasks.js';
import * as cluster from '../../shared/cluster.js';
import { wireErrorSchema } from '../../shared/errors.js';
import { healthDocumentSchema } from '../../shared/health.js';
import * as protocol from '../../shared/protocol.js';
import { taskEventSchema, taskSchema } from '../../shared/tasks.js';

/**
 * The v1 contract. The JSON Schema of every message is pinned in v1-schemas.json: any change to
 * a v1 message fails here until the snapshot is updated on purpose (and a change that removes or
 * retypes a field must go to v2 instead). The frames below are what v1 clients already send.
 */
const SCHEMAS = {
  wireError: wireErrorSchema,
  task: taskSchema,
  taskEvent: taskEventSchema,
  submitTask: tasksApi.submitTaskSchema,
  submitTaskReply: tasksApi.submitTaskReplySchema,
  listTasks: tasksApi.listTasksSchema,
  taskList: tasksApi.taskListReplySchema,
  taskDetail: tasksApi.taskDetailSchema,
  cancelTask: tasksApi.cancelTaskSchema,
  taskLogs: tasksApi.taskLogsSchema,
  taskLogsReply: tasksApi.taskLogsReplySchema,
  requestFrame: protocol.requestFrameSchema,
  replyFrame: protocol.replyFrameSchema,
  eventFrame: protocol.eventFrameSchema,
  subscribe: protocol.subscribeSchema,
  nodeInfo: protocol.nodeInfoSchema,
  clusterNode: cluster.clusterNodeSchema,
  health: healthDocumentSchema,
  chaosRun: chaosApi.chaosRunSchema,
  chaosInject: chaosApi.chaosInjectSchema,
  chaosReport: chaosApi.chaosReportSchema,
  chaosTopicSnapshot: chaosTopic.chaosTopicSnapshotSchema,
  chaosTopicChange: chaosTopic.chaosTopicChangeSchema,
  nodeDrain: poolApi.nodeDrainSchema,
  nodeUndrain: poolApi.nodeUndrainSchema,
  nodeDrainReply: poolApi.nodeDrainReplySchema,
  taskMove: poolApi.taskMoveSchema,
  taskMoveReply: poolApi.taskMoveReplySchema,
};

const V1_CLIENT_FRAMES = [
  {
    type: 'request',
    id: 1,
    op: 'task.submit',
    params: {
      message: 'summarise the incident',
      profile: 'openclaw',
      priority: 5,
      max_attempts: 3,
      timeout_s: 600,
      labels: { team: 'sre' },
      idempotency_key: 'inc-42',
    },
  },
  {
    type: 'request',
    id: 'a',
    op: 'task.list',
    params: { state: ['queued', 'running'], label: 'team=sre', limit: 50 },
  },
  { type: 'request', id: 2, op: 'task.get', params: { id: 't_0mx0h4kwhc3cb5ebd9252' } },
  {
    type: 'request',
    id: 3,
    op: 'task.cancel',
    params: { id: 't_0mx0h4kwhc3cb5ebd9252', reason: 'operator' },
  },
  { type: 'request', id: 4, op: 'task.retry', params: { id: 't_0mx0h4kwhc3cb5ebd9252' } },
  { type: 'request', id: 5, op: 'task.logs', params: { id: 't_0mx0h4kwhc3cb5ebd9252', tail: 100 } },
  { type: 'request', id: 6, op: 'subscribe', params: { topics: ['tasks'] } },
  {
    type: 'request',
    id: 7,
    op: 'subscribe',
    params: { topics: ['logs'], task_id: 't_0mx0h4kwhc3cb5ebd9252' },
  },
  { type: 'request', id: 8, op: 'node.info' },
  { type: 'request', id: 9, op: 'chaos.list' },
  { type: 'request', id: 10, op: 'chaos.run', params: { scenario: 'pg-unreachable', dry_run: true } },
  {
    type: 'request',
    id: 11,
    op: 'chaos.inject',
    params: { fault: { kind: 'cpu-stress', workers: 2, share: 0.5 }, duration_ms: 30_000 },
  },
  { type: 'request', id: 12, op: 'chaos.status' },
  { type: 'request', id: 13, op: 'chaos.abort' },
  { type: 'request', id: 14, op: 'chaos.report', params: { id: 'cr_mx4ihlxt99dc36' } },
  { type: 'request', id: 15, op: 'node.list' },
  { type: 'request', id: 16, op: 'node.show', params: { id: 'node-b' } },
  { type: 'request', id: 17, op: 'subscribe', params: { topics: ['nodes'] } },
  { type: 'request', id: 18, op: 'task.move', params: { id: 't_0mx0h4kwhc3cb5ebd9252', node: 'node-b' } },
  { type: 'request', id: 19, op: 'node.drain', params: { id: 'node-b', deadline: '10m', move: true } },
  { type: 'request', id: 20, op: 'node.undrain', params: { id: 'node-b' } },
  { type: 'request', id: 21, op: 'subscribe', params: { topics: ['chaos'] } },
];

const PARAMS_SCHEMA: Record<string, z.ZodType> = {
  'task.submit': tasksApi.submitTaskSchema,
  'task.list': tasksApi.listTasksSchema,
  'task.get': tasksApi.taskIdSchema,
  'task.cancel': tasksApi.cancelTaskSchema,
  'task.retry': tasksApi.taskIdSchema,
  'task.logs': tasksApi.taskLogsSchema,
  subscribe: protocol.subscribeSchema,
  'node.info': protocol.emptyParamsSchema,
  'chaos.list': protocol.emptyParamsSchema,
  'chaos.run': chaosApi.chaosRunSchema,
  'chaos.inject': chaosApi.chaosInjectSchema,
  'chaos.status': protocol.emptyParamsSchema,
  'chaos.abort': protocol.emptyParamsSchema,
  'chaos.report': chaosApi.chaosReportSchema,
  'node.list': protocol.emptyParamsSchema,
  'node.show': cluster.nodeIdParamsSchema,
  'task.move': poolApi.taskMoveSchema,
  'node.drain': poolApi.nodeDrainSchema,
  'node.undrain': poolApi.nodeUndrainSchema,
};

describe('v1 wire contract', () => {
  it('keeps every v1 message schema as pinned', async () => {
    const json = Object.fromEntries(
      Object.entries(SCHEMAS).map(([k, s]) => [
        k,
        z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' }),
      ]),
    );
    await expect(`${JSON.stringify(json, null, 2)}\n`).toMatchFileSnapshot('./v1-schemas.json');
  });

  it('accepts every frame a v1 client sends', () => {
    for (const frame of V1_CLIENT_FRAMES) {
      const parsed = protocol.requestFrameSchema.parse(frame);
      const schema = PARAMS_SCHEMA[parsed.op];
      expect(schema, parsed.op).toBeDefined();
      expect(schema?.safeParse(parsed.params ?? {}).success, parsed.op).toBe(true);
    }
  });

  it('covers every operation with a pinned client frame', () => {
    const covered = new Set(V1_CLIENT_FRAMES.map((f) => f.op));
    for (const op of protocol.operationNameSchema.options) {
      if (op !== 'unsubscribe') expect(covered.has(op), op).toBe(true);
    }
  });
});
