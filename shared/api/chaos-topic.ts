import { z } from 'zod';
import type { ChaosActiveFault, ChaosRunSummary, ChaosStatus } from './chaos.js';

/** A drill as the `chaos` topic pushes it (ChaosRunSummary). */
export const chaosRunSummarySchema = z.object({
  /** Run id (`cr_…`). */
  run_id: z.string(),
  /** Scenario name. */
  scenario: z.string(),
  /** running, or the verdict: passed, failed, aborted, not_steady, dry_run, error. */
  verdict: z.string(),
  /** When it started (epoch ms). */
  started_at: z.number(),
  /** When it ended (epoch ms; null while running). */
  finished_at: z.number().nullable(),
  /** 0..100 (null while running). */
  resilience_score: z.number().nullable(),
  /** Only planned. */
  dry_run: z.boolean(),
});

/** A fault in force as the `chaos` topic pushes it (ChaosActiveFault). */
export const chaosActiveFaultSchema = z.object({
  /** Fault id (`f_…`). */
  id: z.string(),
  /** Fault kind. */
  kind: z.string(),
  /** What it acts on. */
  target: z.string(),
  /** How hard. */
  magnitude: z.record(z.string(), z.unknown()),
  /** When it was injected (epoch ms). */
  injected_at: z.number(),
  /** When the node reverts it on its own (epoch ms). */
  deadline_at: z.number(),
  /** ms until then, when it was pushed. */
  time_left_ms: z.number(),
  /** Drill (or client) whose heartbeats keep it, if any. */
  controller: z.string().nullable(),
});

/** First frame of the `chaos` topic: this node's chaos state and the drills of the cluster. */
export const chaosTopicSnapshotSchema = z.object({
  /** What `chaos.status` answers. */
  status: z.object({
    /** chaos.enabled on this node. */
    enabled: z.boolean(),
    /** This node. */
    node_id: z.string(),
    /** Faults in force here. */
    active_faults: z.array(chaosActiveFaultSchema),
    /** The drill this node runs now, if any. */
    drill: chaosRunSummarySchema.nullable(),
  }),
  /** Past and running drills, newest first (what `chaos.list` lists). */
  runs: z.array(chaosRunSummarySchema),
});

/** One sample of a running drill (the report's timeline, as it is taken). */
export const chaosDrillSampleSchema = z.object({
  /** When (epoch ms). */
  at: z.number(),
  /** Readiness of the node under test (pass, warn, fail, down). */
  health: z.string(),
  /** Checks that warn or fail. */
  failing: z.array(z.string()),
  /** Age of the oldest queued task (ms), null when unknown. */
  queue_age_ms: z.number().nullable(),
  /** The drill's own tasks by state. */
  tasks: z.record(z.string(), z.number()),
  /** Live members seen by the node (null outside a cluster). */
  members: z.number().nullable(),
});

/** Every later frame of the `chaos` topic: one thing that happened on this node. */
export const chaosTopicChangeSchema = z.discriminatedUnion('event', [
  z.object({
    /** A fault is in force on this node (injected here or asked by a peer's drill). */
    event: z.literal('fault.injected'),
    /** The node hosting it. */
    node_id: z.string(),
    /** The fault. */
    fault: chaosActiveFaultSchema,
  }),
  z.object({
    /** A fault of this node was reverted. */
    event: z.literal('fault.reverted'),
    /** The node that hosted it. */
    node_id: z.string(),
    /** Fault id. */
    fault_id: z.string(),
    /** Fault kind. */
    kind: z.string(),
    /** deadline, abort, controller-lost, requested, restart or shutdown. */
    reason: z.string(),
    /** When (epoch ms). */
    at: z.number(),
    /** What the outside check still found (empty = clean). */
    left: z.array(z.string()),
  }),
  z.object({
    /** This node started a drill. */
    event: z.literal('drill.started'),
    /** The drill (verdict `running`). */
    run: chaosRunSummarySchema,
  }),
  z.object({
    /** The running drill entered a phase. */
    event: z.literal('drill.phase'),
    /** Run id. */
    run_id: z.string(),
    /** steady, inject, recovery or report. */
    phase: z.string(),
  }),
  z.object({
    /** The running drill took a sample. */
    event: z.literal('drill.sample'),
    /** Run id. */
    run_id: z.string(),
    /** The sample. */
    sample: chaosDrillSampleSchema,
  }),
  z.object({
    /** An abort condition of the running drill fired. */
    event: z.literal('drill.abort'),
    /** Run id. */
    run_id: z.string(),
    /** The condition, as the report names it. */
    condition: z.string(),
  }),
  z.object({
    /** A drill of this node ended; its report is stored (`chaos.report`). */
    event: z.literal('drill.ended'),
    /** The drill with its verdict and score. */
    run: chaosRunSummarySchema,
  }),
]);

/** First frame of the `chaos` topic. */
export type ChaosTopicSnapshot = z.infer<typeof chaosTopicSnapshotSchema>;
/** A later frame of the `chaos` topic. */
export type ChaosTopicChange = z.infer<typeof chaosTopicChangeSchema>;

// The schemas describe the operations' types exactly: a field added to one must be added to both.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const agrees: [
  Same<z.infer<typeof chaosRunSummarySchema>, ChaosRunSummary>,
  Same<z.infer<typeof chaosActiveFaultSchema>, ChaosActiveFault>,
  Same<ChaosTopicSnapshot['status'], ChaosStatus>,
] = [true, true, true];
void agrees;
