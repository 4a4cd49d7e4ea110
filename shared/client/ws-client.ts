import WebSocket from 'ws';
import {
  CLIENT_SOCKET_PATH,
  type OperationInput,
  type OperationResult,
  type TopicPayloads,
} from '../api/operations.js';
import type { WireError } from '../errors.js';
import type { EventFrame, OperationName, ReplyFrame, Topic } from '../protocol.js';
import { ClientError } from './errors.js';
import type { ClientOptions } from './http-client.js';

/** A /v1/client connection: request/reply and pushed events. */
export class WsClient {
  private readonly ws: WebSocket;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly listeners = new Set<(event: EventFrame) => void>();
  /** Resolves once the socket is open; rejects if it cannot connect. */
  readonly opened: Promise<void>;
  /** Resolves when the socket closes. */
  readonly closed: Promise<void>;

  constructor(options: ClientOptions) {
    const url = `${options.url.replace(/^http/, 'ws').replace(/\/+$/, '')}${CLIENT_SOCKET_PATH}`;
    this.ws = new WebSocket(url, {
      headers: options.token ? { authorization: `Bearer ${options.token}` } : {},
    });
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', (e) =>
        reject(new ClientError(`cannot reach ${url}: ${e.message}`, 0, undefined, e)),
      );
    });
    this.closed = new Promise((resolve) => this.ws.once('close', () => resolve()));
    void this.closed.then(() => {
      for (const p of this.pending.values()) p.reject(new ClientError('connection closed', 0));
      this.pending.clear();
    });
    this.opened.catch(() => {});
    this.ws.on('message', (raw) => this.onFrame(raw.toString()));
  }

  private onFrame(text: string): void {
    let frame: ReplyFrame | EventFrame;
    try {
      frame = JSON.parse(text) as ReplyFrame | EventFrame;
    } catch {
      return;
    }
    if (frame.type === 'event') {
      for (const listener of this.listeners) listener(frame);
      return;
    }
    const waiter = typeof frame.id === 'number' ? this.pending.get(frame.id) : undefined;
    if (!waiter || typeof frame.id !== 'number') return;
    this.pending.delete(frame.id);
    if (frame.ok) waiter.resolve(frame.result);
    else waiter.reject(new ClientError(frame.error.message, 400, frame.error as WireError));
  }

  /** Calls one operation with its typed input; resolves with its typed result. */
  async call<K extends OperationName>(op: K, params?: OperationInput<K>): Promise<OperationResult<K>> {
    await this.opened;
    const id = this.nextId++;
    return new Promise<OperationResult<K>>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.ws.send(JSON.stringify({ type: 'request', id, op, ...(params === undefined ? {} : { params }) }));
    });
  }

  /** Subscribes to topics; events for them reach every `onEvent` listener. */
  subscribe(topics: Topic[], taskId?: string): Promise<OperationResult<'subscribe'>> {
    return this.call('subscribe', { topics, ...(taskId ? { task_id: taskId } : {}) });
  }

  /** Typed events of one topic: `kind` says whether `data` is the snapshot or one change. */
  onTopic<T extends Topic>(
    topic: T,
    listener: (
      event:
        | { kind: 'snapshot'; data: TopicPayloads[T]['snapshot'] }
        | { kind: 'change'; data: TopicPayloads[T]['change'] },
    ) => void,
  ): () => void {
    return this.onEvent((event) => {
      if (event.topic !== topic) return;
      listener({ kind: event.kind, data: event.data } as Parameters<typeof listener>[0]);
    });
  }

  onEvent(listener: (event: EventFrame) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.ws.close();
  }
}
