import { ChaosError } from '../errors.js';
import type { FaultContext } from './context.js';
import { SeamRuleFault } from './seam-rule.js';
import type { FaultSpec } from './spec.js';
import type { StoreFaultRule } from './store-seam.js';

/** Latency and errors on the store calls of chosen facets, through the decorator on the host's `wrap.store` seam. */
export function storeLatencyFault(
  spec: Extract<FaultSpec, { kind: 'store-latency' }>,
  ctx: FaultContext,
): SeamRuleFault<StoreFaultRule> {
  if (!ctx.store)
    throw new ChaosError('refused', 'store-latency: this daemon was started without the store fault seam', {
      field: 'kind',
    });
  const { kind, ...rule } = spec;
  const { facet: _facet, ...magnitude } = rule;
  const target = `store ${spec.facet}${spec.methods ? ` (${spec.methods.join(',')})` : ''}`;
  return new SeamRuleFault(kind, ctx.store, rule, target, magnitude);
}
