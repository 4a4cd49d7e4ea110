import type { DrillFaults } from '../drill/steps.js';
import { message } from '../errors.js';
import type { FaultSpec } from '../faults/spec.js';
import type { ActiveFaultInfo, FaultHost, RevertRecord } from '../host/fault-host.js';
import { callReverter, type ResumeHandle } from '../host/reverter.js';
import type { PeerCaller } from './peer-client.js';
import type { PeerInjectReply } from './peer-route.js';

/** A fault this node controls on another node. */
interface RemoteFault {
  node: string;
  address: string;
  spec: FaultSpec;
  info: ActiveFaultInfo;
  resume: ResumeHandle | null;
  controller: string;
}

/** Calls to a node that may be frozen or gone give up this soon (an abort must be over within 1 s). */
const ABORT_CALL_MS = 800;

/** A fault that ends its host's daemon leaves nothing a revert could undo, and nobody to ask. */
function killsHost(spec: FaultSpec): boolean {
  return spec.kind === 'process-kill' && 'daemon' in spec.target && spec.every_ms === undefined;
}

/**
 * The drill's faults across the cluster: faults for this node go to its own FaultHost, faults for
 * another node go to that node's host over the signed peer call, with this node as controller.
 * Every host enforces its own deadline; heartbeats keep the remote faults (and a paused daemon's
 * reverter) alive only while this controller runs.
 */
export class ClusterFaults implements DrillFaults {
  private readonly remote = new Map<string, RemoteFault>();

  constructor(
    private readonly local: FaultHost,
    private readonly selfId: string,
    private readonly addressOf: (node: string) => string | undefined,
    private readonly call: PeerCaller,
  ) {}

  async inject(
    spec: FaultSpec,
    options: { durationMs: number; controller: string; node?: string },
  ): Promise<ActiveFaultInfo> {
    const node = options.node ?? this.selfId;
    if (node === this.selfId) return this.local.inject(spec, options);
    const address = this.addressOf(node);
    if (!address) throw new Error(`node ${node} is not a known member`);
    const reply = await this.call<PeerInjectReply>(
      address,
      {
        op: 'inject',
        fault: spec,
        duration_ms: options.durationMs,
        controller: options.controller,
        origin: this.selfId,
      },
      10_000,
    );
    this.remote.set(reply.fault.id, {
      node,
      address,
      spec,
      info: reply.fault,
      resume: reply.resume,
      controller: options.controller,
    });
    return reply.fault;
  }

  /** Node hosting a fault this controller injected (undefined: local or unknown). */
  nodeOf(id: string): string | undefined {
    return this.remote.get(id)?.node;
  }

  async revert(id: string, reason: 'requested' | 'abort'): Promise<RevertRecord | undefined> {
    const r = this.remote.get(id);
    if (!r) return this.local.revert(id, reason === 'abort' ? 'abort' : 'requested');
    this.remote.delete(id);
    const at = Date.now();
    const record = (left: string[], errors: string[]): RevertRecord => ({
      id,
      kind: r.info.kind,
      reason,
      at,
      left,
      errors,
    });
    // A paused daemon answers nothing until its reverter resumes it.
    if (r.resume) await callReverter(r.resume, 'resume');
    if (killsHost(r.spec)) return record([], []);
    // After a resume the node needs a moment to answer; an abort cannot wait long.
    const until = Date.now() + (reason === 'abort' ? ABORT_CALL_MS : 10_000);
    let last = '';
    while (Date.now() < until) {
      try {
        const reply = await this.call<{ record: RevertRecord | null }>(
          r.address,
          { op: 'revert', id, origin: this.selfId },
          Math.max(100, Math.min(2_000, until - Date.now())),
        );
        return reply.record ? { ...reply.record, reason } : record([], []);
      } catch (error) {
        last = message(error);
        if (reason === 'abort') break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
    // The node's own deadline still reverts it; say we could not confirm it from here.
    return record([`${r.info.kind} ${id} on ${r.node}: revert not confirmed (${last})`], []);
  }

  async revertAll(reason: 'abort'): Promise<RevertRecord[]> {
    const records = await Promise.all([
      this.local.revertAll(reason),
      ...[...this.remote.keys()].map((id) => this.revert(id, reason).then((r) => (r ? [r] : []))),
    ]);
    return records.flat();
  }

  heartbeat(controller: string): void {
    this.local.heartbeat(controller);
    const nodes = new Map<string, string>();
    for (const r of this.remote.values()) {
      if (r.controller !== controller) continue;
      nodes.set(r.node, r.address);
      if (r.resume) void callReverter(r.resume, 'heartbeat');
    }
    for (const address of nodes.values())
      this.call(address, { op: 'heartbeat', controller }, 2_000).catch(() => {});
  }

  list(): ActiveFaultInfo[] {
    const now = Date.now();
    return [
      ...this.local.list(),
      ...[...this.remote.values()].map((r) => ({
        ...r.info,
        time_left_ms: Math.max(0, r.info.deadline_at - now),
      })),
    ];
  }

  onReverted(listener: (record: RevertRecord) => void): () => void {
    this.local.on('reverted', listener);
    return () => this.local.off('reverted', listener);
  }
}
