import { OPERATOR_PATHS } from '../../shared/api/operations.js';
import type { OperatorLogLine, ProcessRow, StatusReply } from '../../shared/api/operator.js';
import type { NodeInfo } from '../../shared/protocol.js';
import type { RunHandle } from '../agents/run.js';
import { sampleTree } from '../agents/sampler.js';
import type { ServiceSupervisor } from '../agents/service-supervisor.js';
import { ApiError } from '../server/api-error.js';
import type { HttpContext, HttpRoute } from '../server/router.js';
import type { TaskLogReader } from './task-logs.js';

/** What the operator routes read. */
export interface OperatorSource {
  /** node.info of this node. */
  nodeInfo(): NodeInfo;
  /** Long-lived services. */
  services: ServiceSupervisor;
  /** Agent runs live on this node. */
  runs(): RunHandle[];
  /** Profile of a running task, for the NAME column. */
  profileOf(taskId: string): string | undefined;
  /** Reads a task's output (live or from its file). */
  taskLogs: TaskLogReader;
}

function serviceRows(services: ServiceSupervisor): ProcessRow[] {
  return services.status().map((s) => {
    const proc = services.process(s.name);
    const usage = proc ? sampleTree(proc.pid, proc.startTime) : undefined;
    return {
      kind: 'service',
      name: s.name,
      task_id: null,
      state: s.state,
      pid: proc?.pid ?? null,
      started_at: proc?.startedAt ?? null,
      cpu_ms: usage?.cpuMs ?? null,
      rss_bytes: usage?.rssBytes ?? null,
      restarts: s.restarts,
    };
  });
}

function agentRows(source: OperatorSource): ProcessRow[] {
  return source.runs().map((run) => {
    const usage = run.usage();
    return {
      kind: 'agent',
      name: source.profileOf(run.taskId) ?? 'agent',
      task_id: run.taskId,
      state: 'running',
      pid: run.pid,
      started_at: run.startedAt,
      cpu_ms: usage.cpuMs,
      rss_bytes: usage.rssBytes,
      restarts: Math.max(0, run.attempt - 1),
    };
  });
}

function tailParam(ctx: HttpContext): number {
  const raw = ctx.query.get('tail') ?? '200';
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 10_000)
    throw new ApiError('bad_request', 'tail: must be an integer from 1 to 10000', 'tail');
  return n;
}

function sinceParam(ctx: HttpContext): number {
  const raw = ctx.query.get('since');
  if (raw === null) return 0;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new ApiError('bad_request', 'since: must be epoch ms', 'since');
  return n;
}

async function logLines(source: OperatorSource, ctx: HttpContext): Promise<OperatorLogLine[]> {
  const service = ctx.query.get('service');
  const task = ctx.query.get('task');
  if (service !== null && task !== null)
    throw new ApiError('bad_request', 'give service or task, not both', 'service');
  if (task !== null) {
    const read = await source.taskLogs.read(task, undefined, tailParam(ctx));
    const live = source.runs().find((r) => r.taskId === task);
    // A live run has timestamped lines; a finished one is read back from its file.
    if (live) return live.recentLines().map((l) => ({ source: `task:${task}`, ...l }));
    return read.lines.map((l) => ({ at: null, source: `task:${task}`, stream: l.stream, text: l.text }));
  }
  const names = source.services.status().map((s) => s.name);
  if (service !== null && !names.includes(service))
    throw new ApiError('not_found', `service: no service named "${service}" on this node`, 'service');
  const lines: OperatorLogLine[] = [];
  for (const name of service === null ? names : [service])
    for (const l of source.services.recentLines(name)) lines.push({ source: `service:${name}`, ...l });
  if (service === null)
    for (const run of source.runs())
      for (const l of run.recentLines()) lines.push({ source: `task:${run.taskId}`, ...l });
  return lines.sort((a, b) => (a.at ?? 0) - (b.at ?? 0));
}

/** GET /api/v1/status (`aidos status`) and GET /api/v1/logs (`aidos logs`). */
export function operatorRoutes(source: OperatorSource): HttpRoute[] {
  return [
    {
      method: 'GET',
      path: OPERATOR_PATHS.status,
      auth: 'token',
      handle: () => {
        const body: StatusReply = {
          node: source.nodeInfo(),
          processes: [...serviceRows(source.services), ...agentRows(source)],
        };
        return { status: 200, body };
      },
    },
    {
      method: 'GET',
      path: OPERATOR_PATHS.logs,
      auth: 'token',
      handle: async (ctx) => {
        const since = sinceParam(ctx);
        const lines = (await logLines(source, ctx)).filter((l) => l.at === null || l.at >= since);
        return { status: 200, body: { lines: lines.slice(-tailParam(ctx)) } };
      },
    },
  ];
}
