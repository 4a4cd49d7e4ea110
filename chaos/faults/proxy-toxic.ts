import { randomBytes } from 'node:crypto';
import { ChaosError } from '../errors.js';
import type { FaultProxy } from '../proxy/proxy.js';
import type { FaultContext } from './context.js';
import type { Fault, Leftover } from './fault.js';
import type { FaultSpec } from './spec.js';

/** Adds one toxic to a fault proxy on inject and removes it on revert. */
export class ProxyToxicFault implements Fault {
  readonly kind = 'proxy-toxic';
  readonly target: string;
  readonly magnitude: Record<string, unknown>;
  active = false;
  private readonly id = `fault-${randomBytes(4).toString('hex')}`;
  private readonly proxy: FaultProxy;

  constructor(
    private readonly spec: Extract<FaultSpec, { kind: 'proxy-toxic' }>,
    ctx: FaultContext,
  ) {
    const proxy = ctx.proxies.get(spec.proxy);
    if (!proxy)
      throw new ChaosError(
        'input',
        `proxy-toxic: no fault proxy named "${spec.proxy}" (known: ${[...ctx.proxies.keys()].join(', ') || 'none'})`,
        { field: 'proxy' },
      );
    this.proxy = proxy;
    this.target = `proxy ${spec.proxy} (${proxy.address})`;
    this.magnitude = { ...spec.toxic, direction: spec.direction };
  }

  async inject(): Promise<void> {
    if (this.active) return;
    this.proxy.addToxic({ id: this.id, toxic: this.spec.toxic, direction: this.spec.direction });
    this.active = true;
  }

  async revert(): Promise<void> {
    this.proxy.removeToxic(this.id);
    this.active = false;
  }

  // The proxy lives in the host process: it dies (and its toxics with it) when the host does.
  leftovers(): Leftover[] {
    return [];
  }

  async verifyReverted(): Promise<string[]> {
    return this.proxy.toxics().some((t) => t.id === this.id)
      ? [`toxic ${this.id} still on ${this.target}`]
      : [];
  }
}
