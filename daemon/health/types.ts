import type { HealthStatus } from '../../shared/health.js';

/** Which probe a failing check takes down: liveness (restart), readiness (out of rotation), or neither. */
export type Affects = 'live' | 'ready' | 'none';

/** Which default schedule a check runs on when its config names none. */
export type ScheduleGroup = 'fast' | 'deep' | 'canary';

/** What one run of a check measured. */
export interface Observation {
  /** The number (or flag) measured. */
  observedValue?: number | string | boolean;
  /** Unit of observedValue: ms, bytes, percent, count. */
  observedUnit?: string;
  /** A status the check decides itself; otherwise thresholds decide from observedValue. */
  status?: HealthStatus;
  /** Why it warns or fails, or extra detail. */
  output?: string;
  /** Which instance was measured (database, mount, member), when not the default. */
  componentId?: string;
}

/** Thresholds on a numeric observation; `below` means small values are bad (free disk). */
export interface Thresholds {
  /** Value at which it warns. */
  warn?: number;
  /** Value at which it fails. */
  fail?: number;
  /** Compare downwards: warn when the value is at or below `warn`. */
  below?: boolean;
}

/** A check as the code defines it, before config overrides. */
export interface HealthCheck {
  /** `component:measurement`. */
  name: string;
  /** IETF componentType: system, datastore, component. */
  componentType: string;
  /** Default componentId (database description, data dir). */
  componentId?: string;
  /** Which probe a failure takes down. */
  affects: Affects;
  /** Default schedule group. */
  group: ScheduleGroup;
  /** Default thresholds. */
  thresholds?: Thresholds;
  /** Default per-run limit (else health.timeout). */
  timeoutMs?: number;
  /** Default cron schedule, overriding the group's. */
  schedule?: string;
  /** Default consecutive bad results before the status worsens (else health.failures_before_fail). */
  failuresBeforeFail?: number;
  /** Default consecutive good results before the status improves (else health.successes_before_pass). */
  successesBeforePass?: number;
  /** Measures once; the signal aborts when the run times out. */
  run(signal: AbortSignal): Promise<Observation>;
}

/** A check with its config applied: what the runner actually schedules. */
export interface ResolvedCheck extends HealthCheck {
  /** Effective thresholds. */
  thresholds: Thresholds;
  /** Effective per-run limit. */
  timeoutMs: number;
  /** Cron expression. */
  schedule: string;
  /** Consecutive bad raw results before the reported status worsens. */
  failuresBeforeFail: number;
  /** Consecutive good raw results before the reported status improves. */
  successesBeforePass: number;
}

/** The latest reported result of one check (after the flapping guard). */
export interface CheckResult {
  /** Check name. */
  name: string;
  /** Reported status (what endpoints show). */
  status: HealthStatus;
  /** Status of the last raw run, before the flapping guard. */
  rawStatus: HealthStatus;
  /** What the last run measured. */
  observation: Observation;
  /** When the last run finished (epoch ms). */
  at: number;
  /** How long the last run took. */
  durationMs: number;
  /** When the reported status last changed (epoch ms). */
  since: number;
}

/** Emitted when a check's reported status changes. */
export interface StatusChange {
  /** Check name. */
  name: string;
  /** Status before (undefined on the first result). */
  from: HealthStatus | undefined;
  /** Status now. */
  to: HealthStatus;
  /** Which probe it affects. */
  affects: Affects;
  /** The result that caused it. */
  result: CheckResult;
  /** Node id. */
  nodeId: string;
}
