import type { AgentEnvelope } from './agent-envelope.js';
import { parseEnvelope } from './envelope.js';
import type { SpawnExit } from './spawn.js';
import { tellingLine } from './telling-line.js';

/** How a run ended, coarsely; the task engine decides retries from this and `retryable`. */
export type RunOutcomeKind =
  | 'succeeded'
  | 'failed'
  | 'timeout'
  | 'cancelled'
  | 'crashed'
  | 'memory_limit'
  | 'bad_output';

/** Everything known about a finished run. */
export interface RunOutcome {
  /** How it ended. */
  kind: RunOutcomeKind;
  /** Exit code, when it exited rather than being killed by a signal. */
  exitCode: number | undefined;
  /** Terminating signal, when there was one. */
  signal: string | undefined;
  /** Wall time from spawn to exit, ms. */
  durationMs: number;
  /** Highest RSS of the process tree seen by the sampler, bytes. */
  peakRssBytes: number;
  /** CPU used by the tree as far as /proc showed it, ms. */
  cpuMs: number | undefined;
  /** The parsed OpenClaw envelope, when stdout held one. */
  result: AgentEnvelope | undefined;
  /** One clear line on what went wrong; absent on success. */
  error: string | undefined;
  /** Whether running the task again could plausibly help. */
  retryable: boolean;
}

/** Why the supervisor itself ended the run, if it did. */
export type StopReason =
  | { kind: 'timeout'; timeoutMs: number }
  | { kind: 'cancelled'; reason: string }
  | { kind: 'memory_limit'; limitMb: number; rssBytes: number }
  /** It printed a complete envelope and had not exited after the grace: its result stands. */
  | { kind: 'after_envelope'; graceMs: number };

/** Facts gathered during the run that decide the outcome. */
export interface RunFacts {
  /** How the process ended. */
  exit: SpawnExit;
  /** Why we stopped it, if we did. */
  stop: StopReason | undefined;
  /** Tail of stdout (for the envelope). */
  stdoutTail: string;
  /** Last non-empty output line, for error messages. */
  lastLine: string | undefined;
  /** Recent stderr lines, oldest first: the summary of a crash comes from the most telling one. */
  stderrLines?: string[];
  /** Wall time, ms. */
  durationMs: number;
  /** Peak RSS, bytes. */
  peakRssBytes: number;
  /** CPU, ms. */
  cpuMs: number | undefined;
}

const MB = 1024 * 1024;

function exitText(exit: SpawnExit): string {
  return exit.signal ? `killed by ${exit.signal}` : `exit ${exit.exitCode}`;
}

function withLine(text: string, line: string | undefined): string {
  return line ? `${text}: ${line.slice(0, 200)}` : text;
}

/** Turns the facts of a finished run into its outcome. Order matters: our own stop wins. */
export function classify(f: RunFacts): RunOutcome {
  const parsed = parseEnvelope(f.stdoutTail);
  const result = parsed.ok ? parsed.envelope : undefined;
  const base = {
    exitCode: f.exit.exitCode,
    signal: f.exit.signal,
    durationMs: f.durationMs,
    peakRssBytes: f.peakRssBytes,
    cpuMs: f.cpuMs,
    result,
  };
  const out = (kind: RunOutcome['kind'], error: string | undefined, retryable: boolean): RunOutcome => ({
    kind,
    ...base,
    error,
    retryable,
  });

  if (f.exit.spawnError) return out('failed', `could not start agent: ${f.exit.spawnError}`, false);
  if (f.stop?.kind === 'cancelled') return out('cancelled', `cancelled: ${f.stop.reason}`, false);
  if (f.stop?.kind === 'timeout')
    return out('timeout', `timed out after ${f.stop.timeoutMs} ms (${exitText(f.exit)})`, true);
  if (f.stop?.kind === 'memory_limit') {
    return out(
      'memory_limit',
      `memory limit ${f.stop.limitMb} MB exceeded (RSS ${Math.round(f.stop.rssBytes / MB)} MB); stopped`,
      false,
    );
  }
  if (f.stop?.kind === 'after_envelope' && result) {
    if (result.ok) return out('succeeded', undefined, false);
    if (result.status === 'timeout')
      return out('timeout', result.error?.message ?? 'agent reported a timeout', true);
    return out('failed', result.error?.message ?? `agent reported status ${result.status}`, true);
  }
  const line = tellingLine(f.stderrLines ?? []) ?? f.lastLine;
  if (f.exit.signal || (f.exit.exitCode !== undefined && f.exit.exitCode >= 128)) {
    return out('crashed', withLine(`agent crashed (${exitText(f.exit)})`, line), true);
  }
  if (f.exit.exitCode === 2 || result?.status === 'timeout') {
    return out('timeout', result?.error?.message ?? 'agent reported a timeout (exit 2)', true);
  }
  if (f.exit.exitCode === 0) {
    if (!parsed.ok) return out('bad_output', parsed.reason, true);
    if (result?.ok) return out('succeeded', undefined, false);
    // OpenClaw exits 0 or 1 with the same error envelope, depending on where the run failed: one
    // message either way, so an operator (or an alert rule) matches it once.
    if (result?.error) return out('failed', `${result.error.kind}: ${result.error.message}`, true);
    return out('failed', `agent reported status ${result?.status}`, true);
  }
  // OpenClaw refused its command line (an unknown option, say): the profile is wrong, and
  // running the same command again cannot help.
  if (result?.error?.kind === 'cli_error') return out('failed', `cli_error: ${result.error.message}`, false);
  if (result?.error) return out('failed', `${result.error.kind}: ${result.error.message}`, true);
  return out('failed', withLine(`agent failed (${exitText(f.exit)})`, line), true);
}
