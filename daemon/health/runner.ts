import { performance } from 'node:perf_hooks';
import { AidosError, errorMessage } from '../errors.js';
import { EventBus } from '../runtime/events.js';
import { guard, type Streak, statusOf } from './evaluate.js';
import type { CheckResult, Observation, ResolvedCheck, StatusChange } from './types.js';

declare module '../runtime/events.js' {
  interface DaemonEventMap {
    /** A check ran (history, the health gauges and alerts listen). */
    'health.result': { result: CheckResult; check: ResolvedCheck };
    /** A check changed status (the first result included; the `health` topic and gossip listen). */
    'health.change': StatusChange;
  }
}

/** Options of the runner. */
export interface RunnerOptions {
  /** Node id, carried on status-change events. */
  nodeId: string;
  /** Shortest gap between two forced (`?fresh=1`) runs. */
  freshMinIntervalMs: number;
  /** Clock, injectable for tests. */
  now?: () => number;
  /** Where results and changes are published: the daemon's bus (a bus of its own by default). */
  events?: EventBus;
}

function withTimeout(check: ResolvedCheck): Promise<Observation> {
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      abort.abort();
      reject(new AidosError('internal', `timed out after ${check.timeoutMs} ms`));
    }, check.timeoutMs);
  });
  return Promise.race([check.run(abort.signal), timeout]).finally(() => clearTimeout(timer));
}

/**
 * Runs checks with a per-check timeout, applies the flapping guard and keeps the latest result of
 * each in memory, so endpoints answer without running anything. Publishes `health.result` on every
 * run and `health.change` when a reported status changes.
 */
export class HealthRunner {
  /** The bus it publishes on. */
  readonly events: EventBus;
  /** Bumped on every new result; lets endpoints cache their serialised documents. */
  version = 0;
  private readonly checks = new Map<string, ResolvedCheck>();
  private readonly results = new Map<string, CheckResult>();
  private readonly streaks = new Map<string, Streak>();
  /** Checks reported passing at least once since start: only they are held back on the way up. */
  private readonly passedOnce = new Set<string>();
  private readonly inflight = new Map<string, Promise<CheckResult>>();
  private readonly now: () => number;
  private lastForced = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: RunnerOptions) {
    this.events = options.events ?? new EventBus();
    this.now = options.now ?? Date.now;
  }

  /** Registers checks (later additions are picked up by the scheduler's next tick). */
  add(...checks: ResolvedCheck[]): void {
    for (const check of checks) {
      if (this.checks.has(check.name))
        throw new AidosError('internal', `health check ${check.name} registered twice`);
      this.checks.set(check.name, check);
    }
  }

  /** Every registered check. */
  list(): ResolvedCheck[] {
    return [...this.checks.values()];
  }

  /** One check by name. */
  check(name: string): ResolvedCheck | undefined {
    return this.checks.get(name);
  }

  /** Latest reported result of a check, if it ran. */
  result(name: string): CheckResult | undefined {
    return this.results.get(name);
  }

  /** Runs one check now; a run already in flight is shared rather than doubled. */
  run(name: string): Promise<CheckResult> {
    const running = this.inflight.get(name);
    if (running) return running;
    const check = this.checks.get(name);
    if (!check) return Promise.reject(new AidosError('not_found', `no health check ${name}`));
    const promise = this.execute(check).finally(() => this.inflight.delete(name));
    this.inflight.set(name, promise);
    return promise;
  }

  /** Runs a check as soon as possible: now, or once more after the run in flight (its input changed). */
  runSoon(name: string): void {
    const running = this.inflight.get(name);
    const next = () => void this.run(name).catch(() => undefined);
    if (running) void running.then(next, next);
    else next();
  }

  /** Runs several checks concurrently; never rejects. */
  async runMany(names: string[]): Promise<void> {
    await Promise.all(names.map((name) => this.run(name).catch(() => undefined)));
  }

  /**
   * A forced run (`?fresh=1`) of the checks that match; rate-limited so a probe storm cannot reach
   * the database. Resolves false when it was refused and the cache is served instead.
   */
  async refresh(filter: (check: ResolvedCheck) => boolean): Promise<boolean> {
    const now = this.now();
    if (now - this.lastForced < this.options.freshMinIntervalMs) return false;
    this.lastForced = now;
    await this.runMany(
      this.list()
        .filter(filter)
        .map((c) => c.name),
    );
    return true;
  }

  private async execute(check: ResolvedCheck): Promise<CheckResult> {
    const started = performance.now();
    let observation: Observation;
    try {
      observation = await withTimeout(check);
    } catch (error) {
      observation = { status: 'fail', output: errorMessage(error) };
    }
    const durationMs = performance.now() - started;
    const rawStatus = statusOf(observation, check.thresholds);
    const before = this.results.get(check.name);
    const previous = this.streaks.get(check.name);
    const streak: Streak =
      previous && previous.status === rawStatus
        ? { status: rawStatus, count: previous.count + 1 }
        : { status: rawStatus, count: 1 };
    this.streaks.set(check.name, streak);
    // The guard damps a flapping check; one that has not passed since start is not flapping, it is
    // starting (a joining node's membership, a warming cache), so its first pass counts at once.
    const successes = this.passedOnce.has(check.name) ? check.successesBeforePass : 1;
    const status = guard(before?.status, streak, check.failuresBeforeFail, successes);
    if (status === 'pass') this.passedOnce.add(check.name);
    const at = this.now();
    const result: CheckResult = {
      name: check.name,
      status,
      rawStatus,
      observation,
      at,
      durationMs,
      since: before && before.status === status ? before.since : at,
    };
    this.results.set(check.name, result);
    this.version++;
    this.events.emit('health.result', { result, check });
    if (before?.status !== status) {
      const change: StatusChange = {
        name: check.name,
        from: before?.status,
        to: status,
        affects: check.affects,
        result,
        nodeId: this.options.nodeId,
      };
      this.events.emit('health.change', change);
    }
    return result;
  }
}
