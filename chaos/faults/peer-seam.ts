import type { FaultSettings, NetworkFaults, Partition } from '../../daemon/cluster/faults.js';
import type { ClusterView } from '../../daemon/cluster/view.js';
import { ChaosError } from '../errors.js';
import type { PeerFaultRule, PeerFaultSeam } from './context.js';

/**
 * The chaos rules on top of the cluster's NetworkFaults: rules stack (delays and jitters add up,
 * losses combine, partitions accumulate) and every change rewrites the seam's settings from the
 * rules left, so removing the last rule leaves a clean network. A rule acts on what this node
 * sends (`out`), what it receives (`in`) or both; a partition is a cut between this node's address
 * and the chosen peers', checked on the rule's directions only.
 */
export class ClusterPeerSeam implements PeerFaultSeam {
  private readonly rules = new Map<string, { rule: PeerFaultRule; cut: Partition | undefined }>();
  private next = 1;

  constructor(
    private readonly faults: NetworkFaults,
    private readonly view: ClusterView,
  ) {}

  add(rule: PeerFaultRule): string {
    if (rule.bandwidth_kbps !== undefined)
      throw refused('bandwidth_kbps', 'network: bandwidth_kbps is not supported by the peer transport');
    const shaping = rule.delay_ms > 0 || rule.jitter_ms > 0 || rule.loss > 0;
    if (shaping && rule.peers !== 'all')
      throw refused(
        'peers',
        'network: delay, jitter and loss apply to all peers (peers: all); partitions take chosen peers',
      );
    if (!shaping && !rule.partition) throw refused('partition', 'network: the rule changes nothing');
    const cut = rule.partition ? this.partition(rule.peers) : undefined;
    const id = `net-${this.next++}`;
    this.rules.set(id, { rule, cut });
    this.apply();
    return id;
  }

  remove(id: string): void {
    if (this.rules.delete(id)) this.apply();
  }

  active(): string[] {
    return [...this.rules.keys()];
  }

  /** This node on one side, the chosen peers' addresses (as the transport dials them) on the other. */
  private partition(peers: 'all' | string[]): Partition {
    const nodes = this.view.nodes();
    const self = nodes.find((n) => n.self);
    if (!self) throw refused('peers', 'network: this node does not know its own address yet');
    const others = nodes.filter((n) => !n.self);
    if (peers !== 'all') {
      const unknown = peers.filter((id) => !others.some((n) => n.id === id));
      if (unknown.length > 0)
        throw refused('peers', `network: peers: no member ${unknown.join(', ')} is known here`);
    }
    const chosen = peers === 'all' ? others : others.filter((n) => peers.includes(n.id));
    if (chosen.length === 0) throw refused('peers', 'network: peers: this node knows no peer to cut');
    return { a: new Set([self.address]), b: new Set(chosen.map((n) => n.address)) };
  }

  private apply(): void {
    const rules = [...this.rules.values()];
    this.faults.set(settings(rules.filter((r) => r.rule.direction !== 'in')), 'out');
    this.faults.set(settings(rules.filter((r) => r.rule.direction !== 'out')), 'in');
  }
}

/** One direction's seam settings from the rules acting on it. */
function settings(rules: { rule: PeerFaultRule; cut: Partition | undefined }[]): FaultSettings {
  const delay = rules.reduce((sum, r) => sum + r.rule.delay_ms, 0);
  const jitter = rules.reduce((sum, r) => sum + r.rule.jitter_ms, 0);
  const kept = rules.reduce((p, r) => p * (1 - r.rule.loss), 1);
  // The seam adds 0…jitter on top of the delay; ± jitter around the delay is the same range shifted.
  const low = Math.max(0, delay - jitter);
  return {
    loss: 1 - kept,
    delayMs: low,
    jitterMs: delay + jitter - low,
    partitions: rules.flatMap((r) => (r.cut ? [r.cut] : [])),
  };
}

function refused(field: string, text: string): ChaosError {
  return new ChaosError('refused', text, { field });
}
