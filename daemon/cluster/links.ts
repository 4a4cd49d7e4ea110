import { linkParams, type SwimParams } from './params.js';
import { pick, type Rng } from './random.js';
import type { Member } from './types.js';

/**
 * Per-member timings (docs/cluster.md, "Per member"): toward each member, the slower of this node's
 * profile and the one the member advertises in its metadata.
 */
export class LinkTimings {
  constructor(
    private readonly own: SwimParams,
    private readonly advertised?: (meta: unknown) => SwimParams | undefined,
  ) {}

  /** The timings this node uses toward `member` (probes, ping-req waits, suspicion). */
  toward(member: Member): SwimParams {
    return linkParams(this.own, this.advertised?.(member.meta));
  }

  /**
   * k of `candidates` to ping-req about `target`, those no slower to reach than it first: a remote
   * member asked to relay a probe of a near one answers after the window (and counts as missing).
   */
  helpers(target: Member, candidates: readonly Member[], rng: Rng): Member[] {
    const { probeTimeoutMs, indirectChecks } = this.toward(target);
    const near = candidates.filter((m) => this.toward(m).probeTimeoutMs <= probeTimeoutMs);
    const chosen = pick(near, indirectChecks, rng);
    if (chosen.length === indirectChecks) return chosen;
    const far = candidates.filter((m) => !near.includes(m));
    return [...chosen, ...pick(far, indirectChecks - chosen.length, rng)];
  }
}
