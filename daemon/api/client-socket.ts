import type { WebSocket } from 'ws';
import {
  CLIENT_LIMITS,
  type EventFrame,
  type ReplyFrame,
  requestFrameSchema,
  subscribeSchema,
  type Topic,
} from '../../shared/protocol.js';
import type { Logger } from '../log/logger.js';
import { ApiError, toApiError } from '../server/api-error.js';
import type { Operation, OperationContext } from './operation.js';
import { TokenBucket } from './rate-limiter.js';
import { SendBuffer } from './send-buffer.js';
import { validate } from './validate.js';

/** A source of pushed data for one topic: a snapshot, then changes until unsubscribed. */
export interface TopicSource {
  /** Current state, sent first. */
  snapshot(params: { task_id?: string }): Promise<unknown>;
  /** Calls `push` for every change; returns the unsubscribe function. */
  subscribe(params: { task_id?: string }, push: (data: unknown) => void): () => void;
}

/** What a client connection can reach. */
export interface ClientSocketDeps {
  /** Operations callable with `request` frames. */
  operations: Operation[];
  /** Topics available to `subscribe`. */
  topics: Partial<Record<Topic, TopicSource>>;
  /** Logger. */
  logger: Logger;
}

/** Serves one /v1/client connection: validated request/reply plus subscriptions; bad frames never crash it. */
export function serveClientSocket(ws: WebSocket, caller: OperationContext, deps: ClientSocketDeps): void {
  const ops = new Map(deps.operations.map((o) => [o.name, o]));
  const bucket = new TokenBucket(CLIENT_LIMITS.messagesPerSecond, CLIENT_LIMITS.burst);
  const subscriptions = new Map<string, () => void>();

  // Topics whose changes were skipped while the client was behind: it gets a fresh snapshot instead.
  const missed = new Map<string, { topic: Topic; params: { task_id?: string } }>();
  const buffer = new SendBuffer(
    ws,
    () => {
      for (const { topic, params } of missed.values()) {
        const source = deps.topics[topic];
        source?.snapshot(params).then(
          (data) => send({ type: 'event', topic, kind: 'snapshot', data }),
          () => {},
        );
      }
      missed.clear();
    },
    (reason) => deps.logger.warn({ reason }, 'client connection closed'),
  );
  const send = (frame: ReplyFrame | EventFrame) => buffer.send(JSON.stringify(frame));
  const fail = (id: ReplyFrame['id'], error: unknown) => {
    const apiError = toApiError(error);
    if (apiError.code === 'internal') deps.logger.error({ err: error }, 'client operation failed');
    send({ type: 'reply', id, ok: false, error: apiError.toWire() });
  };

  const subscribe = async (params: unknown) => {
    const input = validate(subscribeSchema, params, 'params');
    const added: Topic[] = [];
    for (const topic of input.topics) {
      const source = deps.topics[topic];
      if (!source)
        throw new ApiError(
          'bad_request',
          `params.topics: topic "${topic}" is not available on this daemon`,
          'params.topics',
        );
      if (topic === 'logs' && !input.task_id)
        throw new ApiError('bad_request', 'params.task_id: required for the logs topic', 'params.task_id');
      const key = topic === 'logs' ? `logs:${input.task_id}` : topic;
      if (subscriptions.has(key)) continue;
      const sub = input.task_id ? { task_id: input.task_id } : {};
      const data = await source.snapshot(sub);
      send({ type: 'event', topic, kind: 'snapshot', data });
      subscriptions.set(
        key,
        source.subscribe(sub, (change) => {
          if (buffer.behind) missed.set(key, { topic, params: sub });
          else send({ type: 'event', topic, kind: 'change', data: change });
        }),
      );
      added.push(topic);
    }
    return { subscribed: added };
  };
  const unsubscribe = async (params: unknown) => {
    const input = validate(subscribeSchema, params, 'params');
    for (const topic of input.topics) {
      const key = topic === 'logs' ? `logs:${input.task_id}` : topic;
      subscriptions.get(key)?.();
      subscriptions.delete(key);
    }
    return { unsubscribed: input.topics };
  };

  ws.on('message', (raw, isBinary) => {
    let frame: unknown;
    try {
      frame = JSON.parse(isBinary ? Buffer.from(raw as Buffer).toString('utf8') : raw.toString());
    } catch {
      fail(null, new ApiError('bad_request', 'frame: not valid JSON', 'frame'));
      return;
    }
    let request: ReturnType<typeof requestFrameSchema.parse>;
    try {
      request = validate(requestFrameSchema, frame, 'frame');
    } catch (error) {
      const id = (frame as { id?: unknown })?.id;
      fail(typeof id === 'string' || typeof id === 'number' ? id : null, error);
      return;
    }
    // Refusals carry the request's id: a client waits on each id, and one left unanswered hangs
    // it (a TUI stuck connecting). A client that does not read its replies gets a short refusal,
    // not the work it asked for.
    if (buffer.behind) {
      fail(
        request.id,
        new ApiError(
          'rate_limited',
          `${ws.bufferedAmount} bytes sent to this client are still unread; read them first`,
        ),
      );
      return;
    }
    if (!bucket.take()) {
      fail(
        request.id,
        new ApiError('rate_limited', `more than ${CLIENT_LIMITS.messagesPerSecond} messages per second`),
      );
      return;
    }
    const run = async () => {
      if (request.op === 'subscribe') return subscribe(request.params);
      if (request.op === 'unsubscribe') return unsubscribe(request.params);
      const op = ops.get(request.op);
      if (!op)
        throw new ApiError(
          'bad_request',
          `frame.op: "${request.op}" is not available on this daemon`,
          'frame.op',
        );
      return op.handle(validate(op.input, request.params ?? {}, 'params'), caller);
    };
    run().then(
      (result) => send({ type: 'reply', id: request.id, ok: true, result }),
      (error) => fail(request.id, error),
    );
  });
  ws.on('close', () => {
    buffer.dispose();
    for (const off of subscriptions.values()) off();
    subscriptions.clear();
  });
  ws.on('error', () => {});
}
