import type { HealthState, Sample } from './target.js';

/** How a drill ended. */
export type Verdict = 'passed' | 'failed' | 'aborted' | 'not_steady' | 'dry_run';

/** A fault as the drill injected it. */
export interface FaultRecord {
  /** Fault id on its host (null in a dry run). */
  id: string | null;
  /** Step label. */
  step: string;
  /** Fault kind. */
  kind: string;
  /** What it acted on. */
  target: string;
  /** How hard. */
  magnitude: Record<string, unknown>;
  /** How long it was meant to stay. */
  duration_ms: number;
  /** Node that hosted it. */
  node: string;
  /** When it went in (epoch ms; null when it never did). */
  injected_at: number | null;
  /** When it was undone (epoch ms). */
  reverted_at: number | null;
  /** Why it was undone (deadline, requested, abort, …). */
  revert_reason: string | null;
  /** Inject or revert error, if any. */
  error: string | null;
}

/** What one phase looked like. */
export interface PhaseSummary {
  /** Samples taken. */
  samples: number;
  /** Samples per health state. */
  health: Record<HealthState, number>;
  /** Oldest queued task seen (ms). */
  max_queue_age_ms: number | null;
  /** Checks that warned or failed in any sample. */
  failing: string[];
}

/** One weighted check of the verdict. */
export interface Check {
  /** Stable name (steady_before, recovered, tasks_lost, …). */
  name: string;
  /** Whether it held. */
  passed: boolean;
  /** Weight in the resilience score. */
  weight: number;
  /** What was measured. */
  detail: string;
}

/** An abort condition and whether it fired. */
export interface AbortRecord {
  /** The condition as written (or `manual` for `aidos chaos abort`). */
  condition: string;
  /** Whether it fired. */
  fired: boolean;
  /** When (epoch ms). */
  at: number | null;
}

/** The report of one drill (JSON; Markdown is rendered from it). */
export interface DrillReport {
  /** Run id (`cr_…`). */
  run_id: string;
  /** Scenario name. */
  scenario: string;
  /** What the scenario proves. */
  description: string;
  /** The verdict. */
  verdict: Verdict;
  /** Only planned, nothing injected. */
  dry_run: boolean;
  /** Start and end (epoch ms). */
  started_at: number;
  finished_at: number;
  /** The steady-state hypothesis, with durations in ms. */
  hypothesis: Record<string, unknown>;
  /** Blast radius: nodes targeted out of the cluster, protected nodes. */
  scope: { nodes: string[]; cluster_size: number; protected: string[]; limit: number | string };
  /** Faults with magnitude and duration. */
  faults: FaultRecord[];
  /** Every sample, with its phase. */
  timeline: (Sample & { phase: 'before' | 'during' | 'after' })[];
  /** Phase summaries. */
  results: { before: PhaseSummary; during: PhaseSummary; after: PhaseSummary };
  /** Abort conditions and whether they fired. */
  aborts: AbortRecord[];
  /** From the first inject to the first sample that shows it (null: never seen). */
  time_to_detect_ms: number | null;
  /** From the last revert to the steady state (null: not recovered in time). */
  time_to_recover_ms: number | null;
  /** The drill's own tasks, counted from their history. */
  tasks: {
    submitted: number;
    submit_failed: number;
    succeeded: number;
    failed: number;
    lost: number;
    completed_twice: number;
    success_rate: number | null;
    lost_ids: string[];
    twice_ids: string[];
  };
  /** Weighted checks behind the verdict and score. */
  checks: Check[];
  /** 0..100: weight of the checks that held over the weight of all. */
  resilience_score: number;
  /** What the outside checks found still injected after the drill (empty = clean). */
  left_injected: string[];
  /** Errors met on the way. */
  errors: string[];
}

export function summarize(samples: Sample[]): PhaseSummary {
  const health: Record<HealthState, number> = { pass: 0, warn: 0, fail: 0, down: 0 };
  let age: number | null = null;
  const failing = new Set<string>();
  for (const s of samples) {
    health[s.health]++;
    if (s.queue_age_ms !== null) age = Math.max(age ?? 0, s.queue_age_ms);
    for (const f of s.failing) failing.add(f);
  }
  return { samples: samples.length, health, max_queue_age_ms: age, failing: [...failing].sort() };
}

/** Score and verdict from the checks: every check must hold to pass. */
export function score(checks: Check[]): number {
  const total = checks.reduce((n, c) => n + c.weight, 0);
  const held = checks.filter((c) => c.passed).reduce((n, c) => n + c.weight, 0);
  return total === 0 ? 0 : Math.round((held / total) * 100);
}
