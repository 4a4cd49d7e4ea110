import { isPidRunning } from '../../daemon/agents/proc.js';
import type { HealthPathView } from '../../shared/api/operations.js';
import { AidosClient } from '../../shared/client/client.js';
import { ClientError } from '../../shared/client/errors.js';
import type { ClientSend } from '../../shared/client/http-client.js';
import type { HealthDocument } from '../../shared/health.js';
import { requestJson, type TlsTrust } from '../cluster/http-json.js';
import type { DrillTarget, HealthState, Sample, TaskHistory } from './target.js';

/** The typed client's transport over requestJson, which trusts the cluster's CAs (fetch cannot). */
function tlsSend(tls: TlsTrust): ClientSend {
  return (url, request, timeoutMs) =>
    requestJson(url, {
      method: request.method,
      headers: request.headers,
      ...(request.body === undefined ? {} : { body: request.body }),
      timeoutMs,
      tls,
    });
}

/** A drill target reached through its HTTP API, on the typed client (health documents, tasks, nodes), over https when it serves TLS. */
export class HttpDrillTarget implements DrillTarget {
  private readonly client: AidosClient;
  /** Health is read without the token, as a load balancer would: status only, no check details. */
  private readonly probe: AidosClient;

  constructor(
    readonly nodeId: string,
    private readonly options: {
      url: string;
      token?: string;
      postgres: boolean;
      clusterSize?: () => number;
      /** Alive member ids (default: only this node). */
      members?: () => string[];
      /** What an https target's certificate is checked against. */
      tls?: TlsTrust;
    },
  ) {
    const send = options.tls ? { send: tlsSend(options.tls) } : {};
    this.client = new AidosClient({
      url: options.url,
      timeoutMs: 2_000,
      ...(options.token ? { token: options.token } : {}),
      ...send,
    });
    this.probe = new AidosClient({ url: options.url, timeoutMs: 2_000, ...send });
  }

  async capabilities(): Promise<{ postgres: boolean; agents: boolean; clusterSize: number }> {
    return { postgres: this.options.postgres, agents: true, clusterSize: this.options.clusterSize?.() ?? 1 };
  }

  async members(): Promise<string[]> {
    return this.options.members?.() ?? [this.nodeId];
  }

  private async health(view: HealthPathView): Promise<HealthDocument | undefined> {
    const fetched = await this.probe.health(view, { timeoutMs: 2_000 });
    return 'doc' in fetched ? fetched.doc : undefined;
  }

  async sample(label: string): Promise<Sample> {
    const at = Date.now();
    const [ready, deep, tasks, nodes] = await Promise.all([
      this.health('ready'),
      this.health('deep'),
      this.client.listTasks({ label, limit: 1000 }).catch(() => undefined),
      // Membership is what a network fault changes first; deep health checks may run only once a minute.
      (this.options.clusterSize?.() ?? 1) > 1
        ? this.client.listNodes().catch(() => undefined)
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
    const reply = await this.client.submitTask({
      message: task.message,
      max_attempts: task.max_attempts,
      labels: { [key]: value },
      idempotency_key: task.key,
    });
    return reply.task.id;
  }

  /** Pids of the agents running now, from each running task's latest `started` event (oldest task first). */
  async agentPids(): Promise<number[]> {
    const list = await this.client.listTasks({ state: ['running'], limit: 1000 });
    const pids: number[] = [];
    for (const t of list.tasks.reverse()) {
      const d = await this.client.getTask(t.id).catch(() => undefined);
      const pid = d?.events.filter((e) => e.kind === 'started').at(-1)?.detail.pid;
      if (typeof pid === 'number' && isPidRunning(pid)) pids.push(pid);
    }
    return pids;
  }

  async histories(ids: string[]): Promise<TaskHistory[]> {
    return Promise.all(
      ids.map(async (id) => {
        try {
          const d = await this.client.getTask(id);
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
