import type { IncomingMessage } from 'node:http';
import { validate } from '../../daemon/api/validate.js';
import { ApiError } from '../../daemon/server/api-error.js';
import type { HttpRoute } from '../../daemon/server/router.js';
import type { ActiveFaultInfo, FaultHost, RevertRecord } from '../host/fault-host.js';
import type { ResumeHandle } from '../host/reverter.js';
import type { AuditLog } from '../module/audit.js';
import { apiError } from '../module/operations.js';
import { PEER_CHAOS_PATH, peerCallSchema } from './peer-protocol.js';
import { PEER_SIGNATURE_HEADER, PeerCallVerifier } from './peer-sign.js';

/** Reply to a peer `inject`: the fault, and how to resume a paused daemon from outside. */
export interface PeerInjectReply {
  /** The fault in force on the called node. */
  fault: ActiveFaultInfo;
  /** Set for a daemon pause: the reverter the controller sends heartbeats to and aborts through. */
  resume: ResumeHandle | null;
}

/** What the peer route acts on. */
export interface PeerRouteDeps {
  /** Cluster keys this node accepts (empty: the route refuses every call). */
  keys: readonly string[];
  /** This node's fault host. */
  host: FaultHost;
  /** Throws (forbidden) when chaos is disabled or this node is protected; abort is never guarded. */
  guard(): void;
  /** A local abort: the drill here, this host's faults and the remote faults this node controls. */
  abortLocal(): Promise<RevertRecord[]>;
  /** The audit log. */
  audit: AuditLog;
  /** Client address of a request, for the audit log. */
  client(req: IncomingMessage): string;
}

/**
 * `POST /api/v1/chaos/peer`: what a drill controller on another node asks of this node's fault
 * host (inject with its lease, revert, heartbeat) and a cluster-wide abort's fan-out. Calls are
 * signed with the cluster key, so only members of the cluster reach it.
 */
export function peerChaosRoute(deps: PeerRouteDeps): HttpRoute {
  const verifier = deps.keys.length > 0 ? new PeerCallVerifier(deps.keys) : undefined;
  return {
    method: 'POST',
    path: PEER_CHAOS_PATH,
    auth: 'public',
    body: true,
    handle: async (ctx) => {
      const header = ctx.req.headers[PEER_SIGNATURE_HEADER];
      const refusal = verifier
        ? verifier.verify(typeof header === 'string' ? header : undefined, JSON.stringify(ctx.body ?? null))
        : 'this node has no cluster key';
      if (refusal) throw new ApiError('unauthorized', `chaos peer call refused: ${refusal}`);
      const call = validate(peerCallSchema, ctx.body);
      const identity = { token: 'cluster-key', client: deps.client(ctx.req) };
      if (call.op === 'heartbeat') {
        deps.host.heartbeat(call.controller);
        return { status: 200, body: { ok: true } };
      }
      if (call.op === 'abort') {
        const reverted = await deps.abortLocal();
        deps.audit.record({
          action: 'chaos.abort',
          ...identity,
          subject: { origin: call.origin, reverted: reverted.length },
          outcome: 'ok',
        });
        return { status: 200, body: { reverted } };
      }
      if (call.op === 'revert') {
        const record = await deps.host.revert(call.id, 'requested');
        return { status: 200, body: { record: record ?? null } };
      }
      const subject = { origin: call.origin, fault: call.fault, duration_ms: call.duration_ms };
      try {
        deps.guard();
        const fault = await deps.host.inject(call.fault, {
          durationMs: call.duration_ms,
          controller: call.controller,
        });
        deps.audit.record({ action: 'chaos.inject', ...identity, subject, outcome: 'ok' });
        const reply: PeerInjectReply = { fault, resume: deps.host.resumeHandle(fault.id) ?? null };
        return { status: 201, body: reply };
      } catch (error) {
        deps.audit.record({
          action: 'chaos.inject',
          ...identity,
          subject,
          outcome: `refused: ${(error as Error).message}`,
        });
        throw apiError(error);
      }
    },
  };
}
