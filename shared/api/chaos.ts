import { z } from 'zod';
import { faultSpecSchema } from './chaos-faults.js';

const name = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'a scenario name: lowercase letters, digits and "-"');
const durationMs = z
  .number()
  .int()
  .min(1, 'must be at least 1 ms')
  .max(24 * 3_600_000, 'must be at most 24 h');

/** `chaos.run` (POST /api/v1/chaos/runs): starts a drill of a library scenario. */
export const chaosRunSchema = z
  .object({
    /** Scenario name (a file of chaos/scenarios/ without .yaml). */
    scenario: name,
    /** Plan only: check scope and requirements, inject nothing. */
    dry_run: z.boolean().optional(),
    /** Fields of the scenario replaced for this run, by dotted path (`steps.0.duration: "2s"`, `load.tasks: 3`). */
    set: z
      .record(
        z.string().regex(/^[a-z_]+(\.[a-z0-9_]+)*$/, 'a dotted path like steps.0.duration'),
        z.unknown(),
      )
      .optional(),
  })
  .strict();
export type ChaosRunRequest = z.infer<typeof chaosRunSchema>;

/** `chaos.inject` (POST /api/v1/chaos/faults): one fault on this node, reverted after `duration_ms`. */
export const chaosInjectSchema = z
  .object({
    /** The fault: kind, target and magnitude. */
    fault: faultSpecSchema,
    /** How long it stays in force; the node reverts it on its own at the end. */
    duration_ms: durationMs,
    /** Plan only: validate and report, inject nothing. */
    dry_run: z.boolean().optional(),
  })
  .strict();
export type ChaosInjectRequest = z.input<typeof chaosInjectSchema>;

/** `chaos.report` (GET /api/v1/chaos/runs/:id): one stored drill report. */
export const chaosReportSchema = z
  .object({
    /** Run id (`cr_…`). */
    id: z.string().min(1).max(100),
  })
  .strict();

/** A drill as lists show it. */
export interface ChaosRunSummary {
  /** Run id (`cr_…`). */
  run_id: string;
  /** Scenario name. */
  scenario: string;
  /** running, or the verdict: passed, failed, aborted, not_steady, dry_run, error. */
  verdict: string;
  /** When it started (epoch ms). */
  started_at: number;
  /** When it ended (epoch ms; null while running). */
  finished_at: number | null;
  /** 0..100 (null while running). */
  resilience_score: number | null;
  /** Only planned. */
  dry_run: boolean;
}

/** A fault in force on a node. */
export interface ChaosActiveFault {
  /** Fault id (`f_…`). */
  id: string;
  /** Fault kind. */
  kind: string;
  /** What it acts on. */
  target: string;
  /** How hard. */
  magnitude: Record<string, unknown>;
  /** When it was injected (epoch ms). */
  injected_at: number;
  /** When the node reverts it on its own (epoch ms). */
  deadline_at: number;
  /** ms until then. */
  time_left_ms: number;
  /** Drill (or client) whose heartbeats keep it, if any. */
  controller: string | null;
}

/** `chaos.status`. */
export interface ChaosStatus {
  /** chaos.enabled on this node. */
  enabled: boolean;
  /** This node. */
  node_id: string;
  /** Faults in force here. */
  active_faults: ChaosActiveFault[];
  /** The drill running now, if any. */
  drill: ChaosRunSummary | null;
}

/** A scenario of the library as lists show it. */
export interface ChaosScenarioSummary {
  /** Scenario name. */
  name: string;
  /** What it proves. */
  description: string;
  /** What it needs (postgres, cluster, agents). */
  requires: string[];
  /** Fault kinds it injects, in order. */
  faults: string[];
  /** Its fault steps in order: the fault spec (target, magnitude) and how long it stays (absent from older daemons). */
  steps?: { fault: Record<string, unknown> & { kind: string }; duration_ms: number }[];
  /** Blast radius: nodes faulted (a count or "30%") and nodes never targeted (absent from older daemons). */
  scope?: { nodes: number | string; protected: string[] };
}

/** Input and result types of the chaos operations. */
export interface ChaosOperationTypes {
  /** The scenario library and past drills. */
  'chaos.list': {
    input: Record<string, never>;
    result: { enabled: boolean; scenarios: ChaosScenarioSummary[]; runs: ChaosRunSummary[] };
  };
  /** Start a drill (it runs in the background; follow it with chaos.status or the `chaos` topic). */
  'chaos.run': { input: z.input<typeof chaosRunSchema>; result: { run: ChaosRunSummary } };
  /** Inject one fault on this node. */
  'chaos.inject': {
    input: z.input<typeof chaosInjectSchema>;
    result: { fault: ChaosActiveFault | null; dry_run: boolean };
  };
  /** Faults in force and the running drill. */
  'chaos.status': { input: Record<string, never>; result: ChaosStatus };
  /** Revert everything now and stop the running drill. */
  'chaos.abort': {
    input: Record<string, never>;
    result: {
      /** Faults reverted across the cluster. */
      reverted: number;
      /** The drill this node was running, if any. */
      drill_aborted: string | null;
      /** Members that did not answer within the abort's bound (a frozen or dead node; their own deadlines still hold). */
      unreachable?: string[];
    };
  };
  /** One drill's report (JSON and Markdown). */
  'chaos.report': {
    input: z.input<typeof chaosReportSchema>;
    result: { report: Record<string, unknown> & { verdict: string }; markdown: string };
  };
}
