import type { RunOutcome } from '../agents/outcome.js';
import type { Task } from '../store/types.js';

/** A started agent process. */
export interface LaunchedRun {
  /** Its pid. */
  pid: number;
  /** Stops it (SIGTERM, then SIGKILL after the grace period); done resolves as cancelled. */
  cancel(reason: string): void;
  /** Settles when the process has ended and its output is parsed; never rejects. */
  done: Promise<RunOutcome>;
}

/** Starts agent processes for claimed tasks; the worker does not know how. */
export interface AgentLauncher {
  /** Spawns the agent for a claimed task (its guard counting from `guardSince`, epoch ms); throws when it cannot be started at all. */
  launch(task: Task, guardSince?: number): Promise<LaunchedRun>;
  /** Every configured profile name. */
  profileNames(): string[];
  /** Slots a profile may use at once on this node (undefined: only the node-wide limit). */
  profileSlots(profile: string): number | undefined;
  /** Further process agents free memory allows now (free memory ÷ measured peak per run); undefined: no bound. */
  memorySlots?(): number | undefined;
  /** Slots of a profile with capacity of its own (gateway lanes), outside `agents.slots`; undefined for the rest. */
  dedicatedSlots?(profile: string): number | undefined;
  /** Kills agents that survived a previous daemon (from its journal) before their tasks are re-queued. */
  reapSurvivors(): Promise<{ taskId: string; pid: number; killed: boolean }[]>;
  /** The leases of these tasks were renewed by a call sent at `since` (epoch ms): their agent guards' clocks start again from then. */
  heartbeat?(taskIds: string[], since?: number): void;
  /** Ends what the launcher keeps beside the agents (the agent guard) once every run has ended. */
  close?(): void;
  /** Deletes this node's run folders and logs of tasks not run here since `cutoffMs`; returns how many tasks' files went. */
  sweepFiles(cutoffMs: number): Promise<number>;
}
