import { AidosError } from '../../daemon/errors.js';
import type { StoreFacets } from '../../daemon/store/facets.js';
import { ChaosError } from '../errors.js';

/** The store facets a store-latency rule may act on. */
export const STORE_FAULT_FACETS = ['tasks', 'nodes', 'health', 'pool'] as const;
/** One of them. */
export type StoreFaultFacet = (typeof STORE_FAULT_FACETS)[number];

/** What a store-latency fault does to the calls through the facets it picks. */
export interface StoreFaultRule {
  /** The facet (or `all` of them) whose calls are affected. */
  facet: StoreFaultFacet | 'all';
  /** Added delay per call in ms. */
  latency_ms: number;
  /** ± uniform jitter in ms (the delay never goes below 0). */
  jitter_ms: number;
  /** Share of calls failing with the store's own `store` error, 0..1. */
  error_rate: number;
  /** Only these methods of the facet; all its methods when absent. */
  methods?: string[];
}

/** The injection point the wrapped store offers chaos; rules stack and are removed by id. */
export interface StoreFaultSeam {
  /** Applies a rule; returns its id. Throws a ChaosError naming the field when it cannot. */
  add(rule: StoreFaultRule): string;
  /** Removes it; idempotent. */
  remove(id: string): void;
  /** Ids of the rules in force. */
  active(): string[];
}

// Methods that answer synchronously (listeners, factories): a delay would turn them into promises.
const SYNC_METHODS: ReadonlySet<string> = new Set(['onTaskQueued', 'constructor']);

/**
 * The decorator behind store-latency: every async method of the tasks, nodes, health and pool
 * facets goes through a wrapper that, while no rule is in force, is one boolean check and a direct
 * call. With rules, a call matching them waits their summed latency (± jitter) and then fails with
 * `AidosError('store')` (what a real outage throws, so the API answers 503 `unavailable` and the
 * workers report the store down) with the combined error rate, or goes through.
 */
export class StoreFaults implements StoreFaultSeam {
  private readonly rules = new Map<string, StoreFaultRule>();
  private readonly methodsOf = new Map<StoreFaultFacet, Set<string>>();
  /** True while any rule is in force: the one check on the hot path. */
  private on = false;
  private next = 1;

  /** The facets with every store call of the four facets passing through this seam. */
  wrap(facets: StoreFacets): StoreFacets {
    const wrapped = { ...facets };
    for (const facet of STORE_FAULT_FACETS) {
      const { object, methods } = this.decorate(facet, facets[facet]);
      this.methodsOf.set(facet, methods);
      Object.assign(wrapped, { [facet]: object });
    }
    return wrapped;
  }

  add(rule: StoreFaultRule): string {
    if (rule.latency_ms === 0 && rule.jitter_ms === 0 && rule.error_rate === 0)
      throw refused(
        'latency_ms',
        'store-latency: the rule changes nothing (latency_ms, jitter_ms and error_rate are 0)',
      );
    if (rule.methods) {
      const facets = rule.facet === 'all' ? STORE_FAULT_FACETS : [rule.facet];
      const known = new Set(facets.flatMap((f) => [...(this.methodsOf.get(f) ?? [])]));
      const unknown = rule.methods.filter((m) => !known.has(m));
      if (unknown.length > 0)
        throw refused(
          'methods',
          `store-latency: methods: ${unknown.join(', ')} is not a method of ${rule.facet}`,
        );
    }
    const id = `store-${this.next++}`;
    this.rules.set(id, rule);
    this.on = true;
    return id;
  }

  remove(id: string): void {
    this.rules.delete(id);
    this.on = this.rules.size > 0;
  }

  active(): string[] {
    return [...this.rules.keys()];
  }

  private decorate(facet: StoreFaultFacet, target: object): { object: object; methods: Set<string> } {
    const object: Record<string, unknown> = {};
    const methods = new Set<string>();
    for (const name of functionNames(target)) {
      const fn = (target as Record<string, (...args: unknown[]) => unknown>)[name];
      if (typeof fn !== 'function') continue;
      if (SYNC_METHODS.has(name)) {
        object[name] = fn.bind(target);
        continue;
      }
      methods.add(name);
      object[name] = (...args: unknown[]) =>
        this.on ? this.faulted(facet, name, () => fn.apply(target, args)) : fn.apply(target, args);
    }
    return { object, methods };
  }

  private async faulted(facet: StoreFaultFacet, method: string, call: () => unknown): Promise<unknown> {
    let delay = 0;
    let passes = 1;
    for (const rule of this.rules.values()) {
      if (rule.facet !== 'all' && rule.facet !== facet) continue;
      if (rule.methods && !rule.methods.includes(method)) continue;
      delay += Math.max(0, rule.latency_ms + (Math.random() * 2 - 1) * rule.jitter_ms);
      passes *= 1 - rule.error_rate;
    }
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    if (passes < 1 && Math.random() >= passes)
      throw new AidosError(
        'store',
        `store unavailable: ${facet}.${method} failed (chaos store-latency fault)`,
      );
    return call();
  }
}

/** Method names along an object's prototype chain (a class instance's methods are on its prototypes). */
function functionNames(target: object): Set<string> {
  const names = new Set<string>();
  for (let o: object | null = target; o && o !== Object.prototype; o = Object.getPrototypeOf(o))
    for (const name of Object.getOwnPropertyNames(o)) {
      const d = Object.getOwnPropertyDescriptor(o, name);
      if (d && typeof d.value === 'function') names.add(name);
    }
  return names;
}

function refused(field: string, text: string): ChaosError {
  return new ChaosError('refused', text, { field });
}
