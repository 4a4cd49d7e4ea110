import { ChaosError } from '../errors.js';
import type { FaultContext, PeerFaultRule } from './context.js';
import { SeamRuleFault } from './seam-rule.js';
import type { FaultSpec } from './spec.js';

/** Delay, jitter, loss, partition or bandwidth on gossip, applied at the peer transport's seam (no privileges). */
export function networkFault(
  spec: Extract<FaultSpec, { kind: 'network' }>,
  ctx: FaultContext,
): SeamRuleFault<PeerFaultRule> {
  if (!ctx.peers)
    throw new ChaosError(
      'refused',
      'network: this node has no peer transport (it does not run in a cluster)',
      {
        field: 'kind',
      },
    );
  const { kind, ...rule } = spec;
  const { peers: _peers, ...magnitude } = rule;
  const target = `peers ${spec.peers === 'all' ? 'all' : spec.peers.join(',')} (${spec.direction})`;
  return new SeamRuleFault(kind, ctx.peers, rule, target, magnitude);
}
