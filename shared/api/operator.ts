import type { NodeInfo } from '../protocol.js';

/** One process `aidos status` lists: a long-lived service or a task's agent run. */
export interface ProcessRow {
  /** service or agent. */
  kind: 'service' | 'agent';
  /** Service name, or the profile of the task's run. */
  name: string;
  /** Task id of an agent run; null for services. */
  task_id: string | null;
  /** Service state (running, backoff, …), or `running` for agents. */
  state: string;
  /** Pid while a process is up. */
  pid: number | null;
  /** When the current process was spawned (epoch ms), null when none is up. */
  started_at: number | null;
  /** CPU used by its process tree so far, ms. */
  cpu_ms: number | null;
  /** Resident memory of its process tree now, bytes. */
  rss_bytes: number | null;
  /** Restarts so far (services), or the attempt number minus one (agents). */
  restarts: number;
}

/** GET /api/v1/status: this node and its processes, the `pm2 ls` of AIDOS. */
export interface StatusReply {
  /** The node.info summary. */
  node: NodeInfo;
  /** Services first, then agent runs. */
  processes: ProcessRow[];
}

/** One line of GET /api/v1/logs. */
export interface OperatorLogLine {
  /** When it was read (epoch ms); null for lines read back from a finished run's file. */
  at: number | null;
  /** `service:NAME` or `task:ID`. */
  source: string;
  /** stdout, stderr, or log (read back from a file, streams merged). */
  stream: 'stdout' | 'stderr' | 'log';
  /** The text without its newline. */
  text: string;
}

/** Reply of GET /api/v1/logs. */
export interface OperatorLogsReply {
  /** Lines, oldest first. */
  lines: OperatorLogLine[];
}
