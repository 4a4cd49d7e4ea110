import { ChaosError } from '../errors.js';
import type { FaultContext, PeerFaultSeam } from './context.js';
import type { Fault, Leftover } from './fault.js';
import type { FaultSpec } from './spec.js';

/** Delay, jitter, loss, partition or bandwidth on gossip, applied at the peer transport's seam (no privileges). */
export class NetworkFault implements Fault {
  readonly kind = 'network';
  readonly target: string;
  readonly magnitude: Record<string, unknown>;
  private readonly seam: PeerFaultSeam;
  private ruleId: string | undefined;
  private readonly ruleIds: string[] = [];

  constructor(
    private readonly spec: Extract<FaultSpec, { kind: 'network' }>,
    ctx: FaultContext,
  ) {
    if (!ctx.peers)
      throw new ChaosError(
        'refused',
        'network: this node has no peer transport (it does not run in a cluster)',
        {
          field: 'kind',
        },
      );
    this.seam = ctx.peers;
    this.target = `peers ${spec.peers === 'all' ? 'all' : spec.peers.join(',')} (${spec.direction})`;
    const { kind: _kind, peers: _peers, ...magnitude } = spec;
    this.magnitude = magnitude;
  }

  get active(): boolean {
    return this.ruleId !== undefined;
  }

  async inject(): Promise<void> {
    if (this.ruleId) return;
    const { kind: _kind, ...rule } = this.spec;
    this.ruleId = this.seam.add(rule);
    this.ruleIds.push(this.ruleId);
  }

  async revert(): Promise<void> {
    if (this.ruleId) this.seam.remove(this.ruleId);
    this.ruleId = undefined;
  }

  // Rules live in the daemon's memory and die with it.
  leftovers(): Leftover[] {
    return [];
  }

  async verifyReverted(): Promise<string[]> {
    const active = new Set(this.seam.active());
    return this.ruleIds.filter((id) => active.has(id)).map((id) => `peer rule ${id} still in force`);
  }
}
