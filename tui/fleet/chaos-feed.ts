import type { ChaosRunSummary, ChaosStatus } from '../../shared/api/chaos.js';
import type { ChaosTopicChange } from '../../shared/api/chaos-topic.js';
import type { ChaosFrame } from './connection.js';

/** The running drill's progress, as the `chaos` topic pushed it. */
export interface DrillProgress {
  /** Run id. */
  run_id: string;
  /** steady, inject, recovery, report (null before the first phase). */
  phase: string | null;
  /** Samples taken so far. */
  samples: number;
  /** Readiness in the last sample. */
  health: string | null;
  /** The drill's tasks by state in the last sample. */
  tasks: Record<string, number>;
  /** The abort condition that fired, if one did. */
  aborted: string | null;
}

/** What the topic has told so far: the status, the drills and the running drill's progress. */
export interface ChaosFeed {
  /** Faults in force and the running drill (null until the snapshot). */
  status: ChaosStatus | null;
  /** Past and running drills, newest first. */
  runs: ChaosRunSummary[];
  /** The running drill's progress (null when none runs or it started before the snapshot). */
  progress: DrillProgress | null;
}

/** Nothing heard yet. */
export const EMPTY_FEED: ChaosFeed = { status: null, runs: [], progress: null };

const upsert = (runs: ChaosRunSummary[], run: ChaosRunSummary) => [
  run,
  ...runs.filter((r) => r.run_id !== run.run_id),
];

function change(feed: ChaosFeed, c: ChaosTopicChange): ChaosFeed {
  const status = feed.status;
  const progress = feed.progress;
  switch (c.event) {
    case 'fault.injected':
      return status
        ? {
            ...feed,
            status: {
              ...status,
              active_faults: [...status.active_faults.filter((f) => f.id !== c.fault.id), c.fault],
            },
          }
        : feed;
    case 'fault.reverted':
      return status
        ? {
            ...feed,
            status: { ...status, active_faults: status.active_faults.filter((f) => f.id !== c.fault_id) },
          }
        : feed;
    case 'drill.started':
      return {
        status: status && { ...status, drill: c.run },
        runs: upsert(feed.runs, c.run),
        progress: { run_id: c.run.run_id, phase: null, samples: 0, health: null, tasks: {}, aborted: null },
      };
    case 'drill.ended':
      return {
        status: status && { ...status, drill: status.drill?.run_id === c.run.run_id ? null : status.drill },
        runs: upsert(feed.runs, c.run),
        progress: progress?.run_id === c.run.run_id ? null : progress,
      };
    default: {
      if (progress?.run_id !== c.run_id) return feed;
      if (c.event === 'drill.phase') return { ...feed, progress: { ...progress, phase: c.phase } };
      if (c.event === 'drill.abort') return { ...feed, progress: { ...progress, aborted: c.condition } };
      return {
        ...feed,
        progress: {
          ...progress,
          samples: progress.samples + 1,
          health: c.sample.health,
          tasks: c.sample.tasks,
        },
      };
    }
  }
}

/** The feed after one pushed frame: a snapshot replaces everything, a change updates one thing. */
export function applyChaosFrame(feed: ChaosFeed, frame: ChaosFrame): ChaosFeed {
  if (frame.kind === 'change') return change(feed, frame.data);
  const { status, runs } = frame.data;
  const keep = feed.progress && status.drill?.run_id === feed.progress.run_id ? feed.progress : null;
  // A drill already running when the view attached: its progress starts counting from here.
  const progress =
    keep ??
    (status.drill
      ? { run_id: status.drill.run_id, phase: null, samples: 0, health: null, tasks: {}, aborted: null }
      : null);
  return { status, runs, progress };
}
