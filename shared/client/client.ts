import {
  HEALTH_PATHS,
  type HealthPathView,
  type HttpOperationName,
  OPERATION_ROUTES,
  OPERATOR_PATHS,
  type OperationInput,
  type OperationResult,
  type OperationRoute,
} from '../api/operations.js';
import type { OperatorLogsReply, StatusReply } from '../api/operator.js';
import { type HealthDocument, healthDocumentSchema } from '../health.js';
import { type ClientOptions, HttpClient, sendRequest } from './http-client.js';

/** What a health request came back with: a health document (any status), or why there is none. */
export type HealthFetch = { doc: HealthDocument } | { error: string };

/** Fills `:id` and the query string of a route from an operation's input; the rest is the body. */
export function routeRequest(
  route: OperationRoute,
  input: Record<string, unknown>,
): { path: string; body?: Record<string, unknown> } {
  const rest: Record<string, unknown> = { ...input };
  let path = route.path;
  if (path.includes(':id')) {
    path = path.replace(':id', encodeURIComponent(String(rest.id ?? '')));
    delete rest.id;
  }
  if (route.method === 'POST') return { path, body: rest };
  const q = new URLSearchParams();
  for (const key of route.query ?? []) {
    const value = rest[key];
    if (value === undefined) continue;
    q.set(key, Array.isArray(value) ? value.join(',') : String(value));
  }
  const qs = q.toString();
  return { path: qs ? `${path}?${qs}` : path };
}

/**
 * The typed client of a daemon's API: one method per operation, with the request and result types
 * of shared/api, over HTTP. The CLI uses it, and the TUI next; no caller spells a route.
 */
export class AidosClient {
  private readonly http: HttpClient;

  constructor(private readonly options: ClientOptions) {
    this.http = new HttpClient(options);
  }

  /** Base URL without a trailing slash. */
  get base(): string {
    return this.http.base;
  }

  /** Calls one operation over its HTTP route. */
  call<K extends HttpOperationName>(op: K, input: OperationInput<K>): Promise<OperationResult<K>> {
    const route: OperationRoute = OPERATION_ROUTES[op];
    const { path, body } = routeRequest(route, input as Record<string, unknown>);
    return this.http.request<OperationResult<K>>(route.method, path, body);
  }

  /** Accepts a task (or returns the earlier one with the same idempotency key). */
  submitTask(input: OperationInput<'task.submit'>): Promise<OperationResult<'task.submit'>> {
    return this.call('task.submit', input);
  }

  /** A page of tasks, newest first. */
  listTasks(input: OperationInput<'task.list'> = {}): Promise<OperationResult<'task.list'>> {
    return this.call('task.list', input);
  }

  /** One task and its events. */
  getTask(id: string): Promise<OperationResult<'task.get'>> {
    return this.call('task.get', { id });
  }

  /** Cancels a queued task, or asks a running one to stop. */
  cancelTask(id: string, reason?: string): Promise<OperationResult<'task.cancel'>> {
    return this.call('task.cancel', { id, ...(reason ? { reason } : {}) });
  }

  /** Queues a failed, dead or cancelled task again. */
  retryTask(id: string): Promise<OperationResult<'task.retry'>> {
    return this.call('task.retry', { id });
  }

  /** The output of one attempt (the latest by default). */
  taskLogs(input: OperationInput<'task.logs'>): Promise<OperationResult<'task.logs'>> {
    return this.call('task.logs', input);
  }

  /** Runs a task on another node (queued: retarget; running: stop on the source, then start on the target). */
  moveTask(id: string, node: string): Promise<OperationResult<'task.move'>> {
    return this.call('task.move', { id, node });
  }

  /** Stops a node claiming; its running tasks finish (or move) by the deadline (`10m` by default). */
  drainNode(
    id: string,
    options: { deadline?: string | number; move?: boolean } = {},
  ): Promise<OperationResult<'node.drain'>> {
    return this.call('node.drain', { id, ...options });
  }

  /** Lets a drained node claim again. */
  undrainNode(id: string): Promise<OperationResult<'node.undrain'>> {
    return this.call('node.undrain', { id });
  }

  /** This node and its service and agent processes (`aidos status`). */
  status(): Promise<StatusReply> {
    return this.http.request<StatusReply>('GET', OPERATOR_PATHS.status);
  }

  /** Recent output of services and running agents, merged, oldest first (`aidos logs`). */
  logs(
    query: { task?: string; service?: string; tail?: number; since?: number } = {},
  ): Promise<OperatorLogsReply> {
    const q = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) if (value !== undefined) q.set(key, String(value));
    const qs = q.toString();
    return this.http.request<OperatorLogsReply>('GET', `${OPERATOR_PATHS.logs}${qs ? `?${qs}` : ''}`);
  }

  /** This node's summary. */
  nodeInfo(): Promise<OperationResult<'node.info'>> {
    return this.call('node.info', {});
  }

  /** Every cluster member as the daemon sees it. */
  listNodes(): Promise<OperationResult<'node.list'>> {
    return this.call('node.list', {});
  }

  /** One cluster member. */
  showNode(id: string): Promise<OperationResult<'node.show'>> {
    return this.call('node.show', { id });
  }

  /**
   * One health document. A failing daemon answers 503 with a document, so any status with a valid
   * document is an answer; only an unreachable daemon or a body that is no health document is not.
   */
  async health(
    view: HealthPathView,
    options: { fresh?: boolean; timeoutMs?: number } = {},
  ): Promise<HealthFetch> {
    const url = `${this.base}${HEALTH_PATHS[view]}${options.fresh ? '?fresh=1' : ''}`;
    let res: { status: number; text: string };
    try {
      res = await sendRequest(
        this.options.send,
        url,
        {
          method: 'GET',
          headers: this.options.token ? { authorization: `Bearer ${this.options.token}` } : {},
        },
        options.timeoutMs ?? 5_000,
      );
    } catch (error) {
      return { error: `${url}: unreachable (${(error as Error).message})` };
    }
    const text = res.text;
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return { error: `${url}: answered ${res.status} with something that is not JSON` };
    }
    const parsed = healthDocumentSchema.safeParse(body);
    if (!parsed.success) return { error: `${url}: answered ${res.status} without a health document` };
    return { doc: parsed.data };
  }
}
