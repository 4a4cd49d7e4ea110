import { existsSync } from 'node:fs';
import { ChaosError } from '../errors.js';
import { runCommand } from './command.js';
import type { Fault, Leftover } from './fault.js';
import type { FaultSpec } from './spec.js';

type Spec = Extract<FaultSpec, { kind: 'netns-bandwidth' }>;

/** The qdisc handle chaos uses, so a revert removes its own tbf and never someone else's qdisc. */
export const TBF_HANDLE = 'a1d0:';

function refused(field: string, text: string): ChaosError {
  return new ChaosError('refused', `netns-bandwidth: ${text}`, { field });
}

/** Whether the device's root qdisc is chaos's tbf (from `tc qdisc show`). */
async function ours(netns: string, device: string): Promise<boolean> {
  const r = await runCommand(['tc', '-n', netns, 'qdisc', 'show', 'dev', device, 'root']);
  return r.ok && r.stdout.includes(`qdisc tbf ${TBF_HANDLE}`);
}

/** Removes chaos's tbf from the device when it is there; also what a restarted host runs from the journal. */
export async function removeTbf(netns: string, device: string): Promise<void> {
  if (!(await ours(netns, device))) return;
  const r = await runCommand([
    'tc',
    '-n',
    netns,
    'qdisc',
    'del',
    'dev',
    device,
    'root',
    'handle',
    TBF_HANDLE,
  ]);
  if (!r.ok) throw new ChaosError('inject', `netns-bandwidth: tc qdisc del failed: ${r.error}`);
}

/**
 * A real bandwidth limit with `tc tbf` on a device inside a network namespace (root only): the
 * namespace's outgoing traffic on it is held to `rate_kbps`. Only namespaces made with `ip netns`
 * are targets, never the host's own network.
 */
export class NetnsBandwidthFault implements Fault {
  readonly kind = 'netns-bandwidth';
  readonly target: string;
  readonly magnitude: Record<string, unknown>;
  onLeftovers?: () => void;
  private touched = false;

  constructor(private readonly spec: Spec) {
    if (process.getuid?.() !== 0) throw refused('kind', 'tc in a network namespace needs root');
    if (!existsSync(`/run/netns/${spec.netns}`))
      throw refused('netns', `no network namespace ${spec.netns} (ip netns list)`);
    this.target = `${spec.device} in netns ${spec.netns}`;
    this.magnitude = { rate_kbps: spec.rate_kbps };
  }

  get active(): boolean {
    return this.touched;
  }

  async inject(): Promise<void> {
    if (this.touched) return;
    const { netns, device, rate_kbps } = this.spec;
    const link = await runCommand(['ip', '-n', netns, '-j', 'link', 'show', 'dev', device]);
    if (!link.ok) throw refused('device', `no device ${device} in netns ${netns}: ${link.error}`);
    const mtu = Number((JSON.parse(link.stdout) as { mtu?: number }[])[0]?.mtu ?? 1500);
    const rate = rate_kbps * 1024;
    // The bucket holds at least one packet of the device's MTU (else every such packet is dropped)
    // and a tenth of a second of traffic; the queue holds half a second.
    const burst = Math.max(mtu + 1024, Math.ceil(rate / 10));
    this.touched = true;
    this.onLeftovers?.();
    const r = await runCommand([
      'tc',
      '-n',
      netns,
      'qdisc',
      'add',
      'dev',
      device,
      'root',
      'handle',
      TBF_HANDLE,
      'tbf',
      'rate',
      `${rate * 8}bit`,
      'burst',
      String(burst),
      'latency',
      '500ms',
    ]);
    if (r.ok) return;
    this.touched = false;
    if (/qdisc kind is unknown|qdisc not found|Unknown qdisc/i.test(r.error))
      throw refused('kind', `tc tbf: sch_tbf not available in this kernel (${r.error})`);
    if (/Exclusivity flag|File exists/i.test(r.error))
      throw refused(
        'device',
        `${device} in netns ${netns} already has a root qdisc: chaos does not replace it`,
      );
    throw new ChaosError('inject', `netns-bandwidth: tc qdisc add failed: ${r.error}`);
  }

  async revert(): Promise<void> {
    if (!this.touched) return;
    await removeTbf(this.spec.netns, this.spec.device);
    this.touched = false;
  }

  leftovers(): Leftover[] {
    return this.touched ? [{ type: 'tc-qdisc', netns: this.spec.netns, device: this.spec.device }] : [];
  }

  async verifyReverted(): Promise<string[]> {
    // A namespace deleted meanwhile took the qdisc with it.
    if (!existsSync(`/run/netns/${this.spec.netns}`)) return [];
    return (await ours(this.spec.netns, this.spec.device)) ? [`tc tbf still on ${this.target}`] : [];
  }
}
