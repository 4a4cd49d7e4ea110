import { type Operation, type OperationContext, operation } from '../../daemon/api/operation.js';
import { ApiError } from '../../daemon/server/api-error.js';
import {
  type ChaosStatus,
  chaosInjectSchema,
  chaosReportSchema,
  chaosRunSchema,
} from '../../shared/api/chaos.js';
import { emptyParamsSchema } from '../../shared/protocol.js';
import { reportMarkdown } from '../drill/markdown.js';
import { faultSteps } from '../drill/steps.js';
import { ChaosError } from '../errors.js';
import { buildFault } from '../faults/build.js';
import type { FaultContext } from '../faults/context.js';
import type { FaultHost, RevertRecord } from '../host/fault-host.js';
import { overrideScenario } from '../scenario/overrides.js';
import type { Scenario } from '../scenario/schema.js';
import type { AuditLog } from './audit.js';
import type { DrillRunner } from './drills.js';
import type { RunHistory } from './history.js';

/** What the chaos operations work with. */
export interface ChaosOps {
  enabled: boolean;
  protectedNode: boolean;
  nodeId: string;
  host: FaultHost;
  context: FaultContext;
  library: () => Map<string, Scenario>;
  history: RunHistory;
  drills: DrillRunner;
  audit: AuditLog;
  /** Aborts the drill here and reverts this node's faults and the remote faults it controls. */
  abortLocal(): Promise<RevertRecord[]>;
  /** Asks every other member to abort locally; `reverted` is null for a node that did not answer in time. */
  abortPeers(): Promise<{ node: string; reverted: number | null }[]>;
}

/** Who called, as the audit log records it: token identity (never the secret) and client address. */
function identity(ctx: OperationContext): { authenticated: boolean; token: string | null; client: string } {
  return { authenticated: ctx.authenticated, token: ctx.token ?? null, client: ctx.client ?? 'in-process' };
}

/** A ChaosError as the API reports it (bad_request for input, conflict otherwise). */
export function apiError(error: unknown): unknown {
  if (!(error instanceof ChaosError)) return error;
  if (error.kind === 'input') return new ApiError('bad_request', error.message, error.field, error);
  return new ApiError('conflict', error.message, error.field, error);
}

/** Throws forbidden when chaos is disabled on this node or the node is protected. */
export function refuseDisabled(c: Pick<ChaosOps, 'enabled' | 'protectedNode' | 'nodeId'>): void {
  if (!c.enabled)
    throw new ApiError(
      'forbidden',
      'chaos is disabled on this node (set chaos.enabled: true to allow it)',
      'chaos.enabled',
    );
  if (c.protectedNode)
    throw new ApiError(
      'forbidden',
      `node ${c.nodeId} is protected from chaos (chaos.protected: true)`,
      'chaos.protected',
    );
}

/** What chaos.status answers (and the `chaos` topic's snapshot holds). */
export function chaosStatus(c: Pick<ChaosOps, 'enabled' | 'nodeId' | 'host' | 'drills'>): ChaosStatus {
  return { enabled: c.enabled, node_id: c.nodeId, active_faults: c.host.list(), drill: c.drills.running };
}

/** chaos.list, chaos.run, chaos.inject, chaos.status, chaos.abort, chaos.report. */
export function chaosOperations(c: ChaosOps): Operation[] {
  const guarded = async <T>(
    action: string,
    subject: Record<string, unknown>,
    caller: OperationContext,
    work: () => Promise<T>,
  ) => {
    const who = identity(caller);
    try {
      refuseDisabled(c);
      const result = await work();
      c.audit.record({ action, ...who, subject, outcome: 'ok' });
      return result;
    } catch (error) {
      c.audit.record({ action, ...who, subject, outcome: `refused: ${(error as Error).message}` });
      throw apiError(error);
    }
  };
  return [
    operation({
      name: 'chaos.list',
      input: emptyParamsSchema,
      handle: async () => ({
        enabled: c.enabled,
        scenarios: [...c.library().values()].map((s) => ({
          name: s.name,
          description: s.description.trim(),
          requires: s.requires,
          faults: faultSteps(s.steps).map((f) => f.fault.kind),
          steps: faultSteps(s.steps).map((f) => ({ fault: f.fault, duration_ms: f.duration })),
          scope: s.scope,
        })),
        runs: await c.history.list(),
      }),
    }),
    operation({
      name: 'chaos.run',
      input: chaosRunSchema,
      handle: (input, ctx) =>
        guarded(
          'chaos.run',
          {
            scenario: input.scenario,
            dry_run: input.dry_run ?? false,
            ...(input.set ? { set: input.set } : {}),
          },
          ctx,
          async () => {
            const shipped = c.library().get(input.scenario);
            const scenario = shipped && input.set ? overrideScenario(shipped, input.set) : shipped;
            if (!scenario)
              throw new ApiError(
                'not_found',
                `scenario: no scenario named "${input.scenario}" in the library`,
                'scenario',
              );
            return { run: await c.drills.start(scenario, input.dry_run ?? false) };
          },
        ),
    }),
    operation({
      name: 'chaos.inject',
      input: chaosInjectSchema,
      handle: (input, ctx) =>
        guarded('chaos.inject', { fault: input.fault, duration_ms: input.duration_ms }, ctx, async () => {
          if (input.dry_run) {
            buildFault(input.fault, c.context);
            return { fault: null, dry_run: true };
          }
          return {
            fault: await c.host.inject(input.fault, { durationMs: input.duration_ms }),
            dry_run: false,
          };
        }),
    }),
    operation({
      name: 'chaos.status',
      input: emptyParamsSchema,
      handle: async () => chaosStatus(c),
    }),
    operation({
      name: 'chaos.abort',
      input: emptyParamsSchema,
      // Always allowed, even with chaos disabled: stopping faults must never be refused. Cluster-wide:
      // this node, the remote faults it controls, and every other member at once (bounded waits).
      handle: async (_input, ctx) => {
        const drill = c.drills.running?.run_id ?? null;
        const [local, peers] = await Promise.all([c.abortLocal(), c.abortPeers()]);
        const unreachable = peers.filter((p) => p.reverted === null).map((p) => p.node);
        const reverted = local.length + peers.reduce((n, p) => n + (p.reverted ?? 0), 0);
        c.audit.record({
          action: 'chaos.abort',
          ...identity(ctx),
          subject: { drill, reverted, unreachable },
          outcome: 'ok',
        });
        return { reverted, drill_aborted: drill, unreachable };
      },
    }),
    operation({
      name: 'chaos.report',
      input: chaosReportSchema,
      handle: async (input) => {
        const run = await c.history.get(input.id);
        if (!run) throw new ApiError('not_found', `id: no chaos run ${input.id}`, 'id');
        if (!run.report)
          return {
            report: { ...run.summary },
            markdown: `# ${run.summary.run_id}: ${run.summary.scenario} — ${run.summary.verdict}\n`,
          };
        return {
          report: run.report as unknown as Record<string, unknown> & { verdict: string },
          markdown: reportMarkdown(run.report),
        };
      },
    }),
  ];
}
