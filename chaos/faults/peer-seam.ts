import type { FaultSettings, NetworkFaults, Partition, PeerShape } from '../../daemon/cluster/faults.js';
import type { ClusterView } from '../../daemon/cluster/view.js';
import { ChaosError } from '../errors.js';
import type { PeerFaultRule, PeerFaultSeam } from './context.js';

/**
 * The chaos rules on top of the cluster's NetworkFaults: rules stack (delays and jitters add up,
 * losses combine, partitions accumulate, the lowest bandwidth holds) and every change rewrites the
 * seam's settings from the rules left, so removing the last rule leaves a clean network (and
 * releases what a bandwidth limit still held). Delay, loss and bandwidth take `peers: all` or
 * chosen peers (node ids or addresses of known members). A rule acts on what this node
 * sends (`out`), what it receives (`in`) or both; a partition is a cut between this node's address
 * and the chosen peers', checked on the rule's directions only.
 */
export class ClusterPeerSeam implements PeerFaultSeam {
  private readonly rules = new Map<string, Placed>();
  private next = 1;

  constructor(
    private readonly faults: NetworkFaults,
    private readonly view: ClusterView,
  ) {}

  add(rule: PeerFaultRule): string {
    const shaping = rule.delay_ms > 0 || rule.jitter_ms > 0 || rule.loss > 0;
    if (
      rule.bandwidth_kbps !== undefined &&
      !(Number.isInteger(rule.bandwidth_kbps) && rule.bandwidth_kbps >= 1)
    )
      throw refused('bandwidth_kbps', 'network: bandwidth_kbps must be a whole number of KiB/s, at least 1');
    if (!shaping && !rule.partition && rule.bandwidth_kbps === undefined)
      throw refused('partition', 'network: the rule changes nothing');
    const chosen = rule.peers === 'all' && !rule.partition ? null : this.chosen(rule.peers);
    const cut = rule.partition ? { a: new Set([this.self()]), b: chosen! } : undefined;
    const id = `net-${this.next++}`;
    this.rules.set(id, { rule, cut, peers: chosen });
    this.apply();
    return id;
  }

  remove(id: string): void {
    if (this.rules.delete(id)) this.apply();
  }

  active(): string[] {
    return [...this.rules.keys()];
  }

  private self(): string {
    const self = this.view.nodes().find((n) => n.self);
    if (!self) throw refused('peers', 'network: this node does not know its own address yet');
    return self.address;
  }

  /** The chosen peers' addresses (as the transport dials them), named by node id or address. */
  private chosen(peers: 'all' | string[]): Set<string> {
    this.self();
    const others = this.view.nodes().filter((n) => !n.self);
    if (peers === 'all') {
      if (others.length === 0) throw refused('peers', 'network: peers: this node knows no peer to cut');
      return new Set(others.map((n) => n.address));
    }
    const unknown = peers.filter((p) => !others.some((n) => n.id === p || n.address === p));
    if (unknown.length > 0)
      throw refused('peers', `network: peers: no member ${unknown.join(', ')} is known here`);
    return new Set(
      others.filter((n) => peers.includes(n.id) || peers.includes(n.address)).map((n) => n.address),
    );
  }

  private apply(): void {
    const rules = [...this.rules.values()];
    this.faults.set(settings(rules.filter((r) => r.rule.direction !== 'in')), 'out');
    this.faults.set(settings(rules.filter((r) => r.rule.direction !== 'out')), 'in');
  }
}

/** A rule with the addresses it was resolved to (null: every peer, joiners included). */
interface Placed {
  rule: PeerFaultRule;
  cut: Partition | undefined;
  peers: Set<string> | null;
}

/** One direction's seam settings from the rules acting on it. */
function settings(rules: Placed[]): FaultSettings {
  const everyone = rules.filter((r) => r.peers === null);
  const shapes: PeerShape[] = [];
  for (const { rule, peers, cut } of rules) {
    if (cut) continue;
    const { low, spread } = peers ? range(rule.delay_ms, rule.jitter_ms) : { low: 0, spread: 0 };
    const shape: PeerShape = { peers, loss: peers ? rule.loss : 0, delayMs: low, jitterMs: spread };
    if (rule.bandwidth_kbps !== undefined) shape.bandwidthKbps = rule.bandwidth_kbps;
    if (peers || rule.bandwidth_kbps !== undefined) shapes.push(shape);
  }
  const delay = everyone.reduce((sum, r) => sum + r.rule.delay_ms, 0);
  const jitter = everyone.reduce((sum, r) => sum + r.rule.jitter_ms, 0);
  const kept = everyone.reduce((p, r) => p * (1 - r.rule.loss), 1);
  const { low, spread } = range(delay, jitter);
  return {
    loss: 1 - kept,
    delayMs: low,
    jitterMs: spread,
    partitions: rules.flatMap((r) => (r.cut ? [r.cut] : [])),
    shapes,
  };
}

// The seam adds 0…jitter on top of the delay; ± jitter around the delay is the same range shifted.
function range(delay: number, jitter: number): { low: number; spread: number } {
  const low = Math.max(0, delay - jitter);
  return { low, spread: delay + jitter - low };
}

function refused(field: string, text: string): ChaosError {
  return new ChaosError('refused', text, { field });
}
