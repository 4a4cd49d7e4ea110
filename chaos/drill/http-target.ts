import { isPidRunning } from '../../daemon/agents/proc.js';
import { HEALTH_PATHS, OPERATION_ROUTES } from '../../shared/api/operations.js';
import { ClientError } from '../../shared/client/errors.js';
import type { WireError } from '../../shared/errors.js';
import { type HttpAnswer, requestJson, type TlsTrust } from '../cluster/http-json.js';
import type { DrillTarget, HealthState, Sample, TaskHistory } from './target.js';

interface HealthDoc {
  status?: string;
  checks?: Record<string, { status?: string; observedValue?: number }[]>;
}

interface TaskRow {
  id: string;
  state: string;
}

/** The path of one task's detail, from the route table. */
function taskPath(id: string): string {
  return OPERATION_ROUTES['task.get'].path.replace(':id', encodeURIComponent(id));
}

/** A drill target reached through its HTTP API (`/health/*`, `/api/v1/tasks`), over https when it serves TLS. */
export class HttpDrillTarget implements DrillTarget {
  private readonly base: string;

  constructor(
    readonly nodeId: string,
    private readonly options: {
      url: string;
      token?: string;
      /** Trust for an https url (the node's own certificate, the cluster's CA). */
      tls?: TlsTrust;
      postgres: boolean;
      clusterSize?: () => number;
      /** Alive member ids (default: only this node). */
      members?: () => string[];
    },
  ) {
    this.base = options.url.replace(/\/+$/, '');
  }

  /** One call; the body parsed whatever the status (a failing /health/ready answers 503 with its document). */
  private async call(
    method: string,
    path: string,
    body?: unknown,
    authorised = true,
  ): Promise<{ status: number; json: unknown }> {
    let res: HttpAnswer;
    try {
      res = await requestJson(`${this.base}${path}`, {
        method,
        headers: authorised && this.options.token ? { authorization: `Bearer ${this.options.token}` } : {},
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        timeoutMs: 2_000,
        ...(this.options.tls ? { tls: this.options.tls } : {}),
      });
    } catch (cause) {
      throw new ClientError(`cannot reach ${this.base}: ${(cause as Error).message}`, 0, undefined, cause);
    }
    let json: unknown;
    try {
      json = res.text ? JSON.parse(res.text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: res.status, json };
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const { status, json } = await this.call(method, path, body);
    if (status < 200 || status >= 300) {
      const wire = (json as { error?: WireError } | undefined)?.error;
      throw new ClientError(wire?.message ?? `HTTP ${status}`, status, wire);
    }
    return json as T;
  }

  async capabilities(): Promise<{ postgres: boolean; agents: boolean; clusterSize: number }> {
    return { postgres: this.options.postgres, agents: true, clusterSize: this.options.clusterSize?.() ?? 1 };
  }

  async members(): Promise<string[]> {
    return this.options.members?.() ?? [this.nodeId];
  }

  /** Health is read without the token, as a load balancer would. */
  private async health(path: string): Promise<HealthDoc | undefined> {
    return this.call('GET', path, undefined, false).then(
      (r) => r.json as HealthDoc | undefined,
      () => undefined,
    );
  }

  async sample(label: string): Promise<Sample> {
    const at = Date.now();
    const [ready, deep, tasks, nodes] = await Promise.all([
      this.health(HEALTH_PATHS.ready),
      this.health(HEALTH_PATHS.deep),
      this.request<{ tasks: TaskRow[] }>(
        'GET',
        `${OPERATION_ROUTES['task.list'].path}?label=${encodeURIComponent(label)}&limit=1000`,
      ).catch(() => undefined),
      // Membership is what a network fault changes first; deep health checks may run only once a minute.
      (this.options.clusterSize?.() ?? 1) > 1
        ? this.request<{ nodes: { state: string; incarnation: number }[] }>(
            'GET',
            OPERATION_ROUTES['node.list'].path,
          ).catch(() => undefined)
        : Promise.resolve(undefined),
    ]);
    const status = ready?.status;
    const health: HealthState = status === 'pass' || status === 'warn' || status === 'fail' ? status : 'down';
    const failing = Object.entries({ ...deep?.checks, ...ready?.checks })
      .filter(([, results]) => results.some((r) => r.status === 'warn' || r.status === 'fail'))
      .map(([name]) => name);
    const counts: Record<string, number> = {};
    for (const t of tasks?.tasks ?? []) counts[t.state] = (counts[t.state] ?? 0) + 1;
    const age = deep?.checks?.['tasks:queue-age']?.[0]?.observedValue;
    return {
      at,
      health,
      failing,
      queue_age_ms: typeof age === 'number' ? age : null,
      tasks: counts,
      members: nodes ? nodes.nodes.filter((n) => n.state === 'alive').length : null,
      incarnations: nodes ? nodes.nodes.reduce((sum, n) => sum + (Number(n.incarnation) || 0), 0) : null,
    };
  }

  async submit(task: { message: string; max_attempts: number; label: string; key: string }): Promise<string> {
    const [key, value] = task.label.split('=') as [string, string];
    const reply = await this.request<{ task: { id: string } }>('POST', OPERATION_ROUTES['task.submit'].path, {
      message: task.message,
      max_attempts: task.max_attempts,
      labels: { [key]: value },
      idempotency_key: task.key,
    });
    return reply.task.id;
  }

  /** Pids of the agents running now, from each running task's latest `started` event (oldest task first). */
  async agentPids(): Promise<number[]> {
    const list = await this.request<{ tasks: TaskRow[] }>(
      'GET',
      `${OPERATION_ROUTES['task.list'].path}?state=running&limit=1000`,
    );
    const pids: number[] = [];
    for (const t of list.tasks.reverse()) {
      const d = await this.request<{ events: { kind: string; detail: { pid?: number } }[] }>(
        'GET',
        taskPath(t.id),
      ).catch(() => undefined);
      const started = d?.events.filter((e) => e.kind === 'started').at(-1);
      if (typeof started?.detail.pid === 'number' && isPidRunning(started.detail.pid))
        pids.push(started.detail.pid);
    }
    return pids;
  }

  async histories(ids: string[]): Promise<TaskHistory[]> {
    return Promise.all(
      ids.map(async (id) => {
        try {
          const d = await this.request<{ task: TaskRow; events: { kind: string }[] }>('GET', taskPath(id));
          return { id, state: d.task.state, events: d.events.map((e) => e.kind) };
        } catch (error) {
          // Only a 404 means the store lost it; an unreachable node says nothing about the task.
          if (error instanceof ClientError && error.status === 404)
            return { id, state: 'missing', events: [] };
          return { id, state: 'unknown', events: [] };
        }
      }),
    );
  }
}
