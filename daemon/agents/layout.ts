import { join } from 'node:path';
import { safeName } from './safe-name.js';

/**
 * The on-disk layout of agent runs under the data dir, in one place:
 *
 *   <data_dir>/agents/journal/               one file per live agent (pid, start time, fence)
 *   <data_dir>/agents/runs/<task>/attempt-N/ the run folder: message.md, work/, tmp/
 *   <data_dir>/agents/logs/<task>/attempt-N.log (+ .1 once rotated)
 *   <data_dir>/agents/logs/services/<name>.log  (+ .1)
 *   <data_dir>/agents/gateway/gateway-N/      a gateway's state (unless agents.gateway.state_dir)
 *
 * Task and service names are made safe for a path (safeName) here and nowhere else.
 */
export interface AgentLayout {
  /** Journal folder of live agents. */
  readonly journal: string;
  /** Root of per-task run folders. */
  readonly runs: string;
  /** Root of agent and service logs. */
  readonly logs: string;
  /** Default root of the gateways' state folders. */
  readonly gateway: string;
}

/** The layout under one data dir. */
export function agentLayout(dataDir: string): AgentLayout {
  const root = join(dataDir, 'agents');
  return {
    journal: join(root, 'journal'),
    runs: join(root, 'runs'),
    logs: join(root, 'logs'),
    gateway: join(root, 'gateway'),
  };
}

/** The per-task folder name under `runs` and `logs` (what retention sweeps). */
export function taskFolder(taskId: string): string {
  return safeName(taskId);
}

/** One attempt's run folder. */
export function runDir(runsRoot: string, taskId: string, attempt: number): string {
  return join(runsRoot, taskFolder(taskId), `attempt-${attempt}`);
}

/** One attempt's log file (its rotation is `<file>.1`, see rotatedLog). */
export function runLogFile(logsRoot: string, taskId: string, attempt: number): string {
  return join(logsRoot, taskFolder(taskId), `attempt-${attempt}.log`);
}

/** A long-lived service's log file. */
export function serviceLogFile(logsRoot: string, name: string): string {
  return join(logsRoot, 'services', `${safeName(name)}.log`);
}

/** Where RotatingLog moves a full log file: the older half of a run's output. */
export function rotatedLog(path: string): string {
  return `${path}.1`;
}
