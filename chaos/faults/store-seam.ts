import { AidosError } from '../../daemon/errors.js';
import type { HealthStore, NodeStore, PoolStore, StoreFacets, TaskStore } from '../../daemon/store/facets.js';
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

/**
 * The async methods of each facet interface (the compiler keeps these lists complete and exact):
 * the ones a rule acts on. Synchronous ones (`onTaskQueued`) would turn into promises if delayed.
 */
type AsyncMethods<T> = {
  [K in keyof T]: T[K] extends (...args: never[]) => Promise<unknown> ? K : never;
}[keyof T];
const all = <T>(names: Record<AsyncMethods<T>, true>): ReadonlySet<string> => new Set(Object.keys(names));
const FACET_METHODS: Record<StoreFaultFacet, ReadonlySet<string>> = {
  tasks: all<TaskStore>({
    submitTask: true,
    getTask: true,
    listTasks: true,
    countTasksByState: true,
    oldestQueuedAgeMs: true,
    listTaskEvents: true,
    claimTasks: true,
    renewLeases: true,
    completeRun: true,
    completeRuns: true,
    appendTaskEvents: true,
    listCancelRequested: true,
    appendTaskEvent: true,
    requestCancel: true,
    retryTask: true,
    requeueNodeRuns: true,
    failoverNodeRuns: true,
    requeueExpiredLeases: true,
    pruneFinishedTasks: true,
  }),
  nodes: all<NodeStore>({ registerNode: true, heartbeatNode: true, listNodes: true, storeIdentity: true }),
  health: all<HealthStore>({ insertHealthResults: true, listHealthResults: true, pruneHealthResults: true }),
  pool: all<PoolStore>({
    setNodeDrain: true,
    nodeDrain: true,
    requestMove: true,
    listMoveRequested: true,
    releaseMovedRun: true,
  }),
};

/**
 * The decorator behind store-latency: every async method of the tasks, nodes, health and pool
 * facets goes through a wrapper that, while no rule is in force, is one boolean check and a direct
 * call. With rules, a call matching them waits their summed latency (± jitter) and then fails with
 * `AidosError('store')` (what a real outage throws, so the API answers 503 `unavailable` and the
 * workers report the store down) with the combined error rate, or goes through.
 */
export class StoreFaults implements StoreFaultSeam {
  private readonly rules = new Map<string, StoreFaultRule>();
  /** True while any rule is in force: the one check on the hot path. */
  private on = false;
  private next = 1;

  /** The facets with every store call of the four facets passing through this seam. */
  wrap(facets: StoreFacets): StoreFacets {
    const wrapped = { ...facets };
    for (const facet of STORE_FAULT_FACETS) {
      Object.assign(wrapped, { [facet]: this.decorate(facet, facets[facet]) });
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
      const known = new Set(facets.flatMap((f) => [...FACET_METHODS[f]]));
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

  // Every method of the object is carried over (the facet may be the whole store); the facet's
  // own async methods go through the check, the others are bound as they are.
  private decorate(facet: StoreFaultFacet, target: object): object {
    const object: Record<string, unknown> = {};
    for (const name of functionNames(target)) {
      const fn = (target as Record<string, (...args: unknown[]) => unknown>)[name];
      if (typeof fn !== 'function' || name === 'constructor') continue;
      if (!FACET_METHODS[facet].has(name)) {
        object[name] = fn.bind(target);
        continue;
      }
      object[name] = (...args: unknown[]) =>
        this.on ? this.faulted(facet, name, () => fn.apply(target, args)) : fn.apply(target, args);
    }
    return object;
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
