/** Health as the drill sees it: readiness status, or `down` when the node does not answer. */
export type HealthState = 'pass' | 'warn' | 'fail' | 'down';

/** One observation of the system under test. */
export interface Sample {
  /** When (epoch ms). */
  at: number;
  /** Readiness of the node under test. */
  health: HealthState;
  /** Checks that warn or fail (`component:measurement`). */
  failing: string[];
  /** Age of the oldest claimable queued task in ms (null when unknown). */
  queue_age_ms: number | null;
  /** The drill's own tasks by state. */
  tasks: Record<string, number>;
  /** Live members seen by the node (null outside a cluster). */
  members: number | null;
  /**
   * Sum of the members' incarnations (null outside a cluster): it rises when a member refutes a
   * suspicion or rejoins after a restart, so a killed node that is back before anyone declared it
   * dead still shows in membership.
   */
  incarnations?: number | null;
}

/** The history of one drill task, as the store recorded it. */
export interface TaskHistory {
  /** Task id. */
  id: string;
  /** Its state now; `missing` when the store no longer has it. */
  state: string;
  /** Event kinds, oldest first. */
  events: string[];
}

/** What the engine drives and observes; implemented over the daemon API (http-target.ts). */
export interface DrillTarget {
  /** Node id of the node under test. */
  readonly nodeId: string;
  /** Whether it runs on PostgreSQL, with workers, in a cluster of how many nodes. */
  capabilities(): Promise<{ postgres: boolean; agents: boolean; clusterSize: number }>;
  /** Ids of the alive members, this node included (just this node outside a cluster). */
  members(): Promise<string[]>;
  /** Takes one sample; never throws (a node that does not answer is `down`). */
  sample(label: string): Promise<Sample>;
  /** Submits one drill task labelled with the run id; `key` makes a retried submit return the same task. */
  submit(task: { message: string; max_attempts: number; label: string; key: string }): Promise<string>;
  /** Histories of these tasks. */
  histories(ids: string[]): Promise<TaskHistory[]>;
}
