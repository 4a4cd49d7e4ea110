/** Public API of the local agent supervisor. */

export type { AgentEnvelope } from './agent-envelope.js';
export { type BackoffDecision, type BackoffOptions, DEFAULT_BACKOFF, RestartBackoff } from './backoff.js';
export { type Clock, systemClock } from './clock.js';
export { parseEnvelope } from './envelope.js';
export { type JournalEntry, type ReapedSurvivor, reapSurvivors } from './journal.js';
export { type AgentLogger, silentLogger } from './logger.js';
export type { RunOutcome, RunOutcomeKind } from './outcome.js';
export {
  checkPlaceholders,
  expandPlaceholders,
  PLACEHOLDER_NAMES,
  type PlaceholderValues,
} from './placeholders.js';
export { isPidRunning, readStat } from './proc.js';
export { type AgentProfile, DEFAULT_PROFILE_NAME, openclawProfile, resolveProfiles } from './profile.js';
export type { OutputLine } from './ring-buffer.js';
export type { RunHandle } from './run.js';
export {
  type ServiceEvents,
  type ServiceState,
  type ServiceStatus,
  ServiceSupervisor,
  type ServiceSupervisorOptions,
} from './service-supervisor.js';
export {
  execaSpawn,
  type SpawnExit,
  type SpawnedProcess,
  type SpawnFn,
  type SpawnRequest,
  withParentDeathSignal,
} from './spawn.js';
export { AgentSupervisor, type RunSpec, type SupervisorOptions } from './supervisor.js';
