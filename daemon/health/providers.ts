import type { HealthStatus } from '../../shared/health.js';

/** One long-lived agent service as the supervisor sees it. */
export interface AgentServiceHealth {
  /** Service name from config. */
  name: string;
  /** Its process is running (and ready, when it has a ready URL). */
  up: boolean;
  /** Restarts since the daemon started. */
  restarts: number;
}

/** What the agent supervisor tells health checks; the agents issue implements it. */
export interface AgentHealthSource {
  /** Long-lived services and whether each is up. */
  services(): AgentServiceHealth[] | Promise<AgentServiceHealth[]>;
  /** Agent and service restarts since the daemon started (a counter; checks turn it into a rate). */
  restartCount(): number;
  /** Tasks this node runs that are past their timeout and not yet ended. */
  stuckTasks(): number | Promise<number>;
}

/** Outcome of one canary task through the whole pipeline. */
export interface CanaryOutcome {
  /** The canary was claimed, spawned and its result came back as expected. */
  ok: boolean;
  /** Submit-to-result time. */
  durationMs: number;
  /** What happened (error, stage reached). */
  output: string;
}

/** Pushes a tiny task through claim, spawn and result; the tasks issue implements it. */
export interface CanaryRunner {
  /** Runs one canary; must honour the signal (the check's timeout). */
  run(signal: AbortSignal): Promise<CanaryOutcome>;
}

/** One member of the cluster as this node sees it. */
export interface ClusterMemberHealth {
  /** Node id. */
  nodeId: string;
  /** host:port of its daemon. */
  address: string;
  /** Gossip state. */
  state: 'alive' | 'suspect' | 'dead' | 'left';
  /** Its own health summary (from gossip), when known. */
  status: HealthStatus | null;
  /** Since its last gossip (null for this node). */
  lastSeenMs: number | null;
  /** This is the node answering. */
  self: boolean;
}

/** Membership and gossip facts for /health/cluster; the cluster issue implements it. */
export interface ClusterHealthSource {
  /** Every known member, this node included. */
  members(): ClusterMemberHealth[];
  /** Since this node last heard any gossip (null when not clustered). */
  lastGossipAgeMs(): number | null;
  /** Every member reports the same store identity (null when unknown). */
  storeIdentityAgrees(): boolean | null;
  /** Cluster membership is configured, so readiness needs the node to have joined. */
  readonly required: boolean;
  /** This node has joined the cluster. */
  joined(): boolean;
}
