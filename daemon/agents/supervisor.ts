import { mkdirSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { AidosError } from '../errors.js';
import { agentBaseEnv } from './agent-env.js';
import { type Clock, systemClock } from './clock.js';
import { writeProviderRetries } from './gateway/state-files.js';
import { AgentGuard } from './guard.js';
import { removeJournal, writeJournal } from './journal.js';
import { runDir, runLogFile } from './layout.js';
import { type AgentLogger, silentLogger } from './logger.js';
import { expandPlaceholders, type PlaceholderValues } from './placeholders.js';
import type { AgentProfile } from './profile.js';
import { AgentRun, type RunHandle } from './run.js';
import { startTimeOf } from './sampler.js';
import { execaSpawn, type SpawnFn, withParentDeathSignal } from './spawn.js';

/** One run to start. */
export interface RunSpec {
  /** Task id (also names the journal entry, workdir and log directory). */
  taskId: string;
  /** Attempt number, from 1. */
  attempt: number;
  /** Fencing token of the claim; journaled so a restarted daemon can report it. */
  fence: number;
  /** Message for the agent; written to a file in the run directory. */
  message: string;
  /** Profile to run. */
  profile: AgentProfile;
  /** Hard bound for this run, ms; defaults to the profile's timeout. */
  timeoutMs?: number;
  /** Root for per-run directories: `<workRoot>/<taskId>/attempt-<n>/`. */
  workRoot: string;
  /** Root for logs: `<logDir>/<taskId>/attempt-<n>.log`. */
  logDir: string;
  /** Model for the {model} placeholder. */
  model?: string;
  /** Session id for {session_id}; defaults to the task id. */
  sessionId?: string;
  /** When the claim proving this run's lease was sent (epoch ms): the agent guard's clock starts there. */
  guardSince?: number;
}

/** Construction options; everything a test needs to control is here. */
export interface SupervisorOptions {
  /** Where journal entries go (`<dataDir>/agents/journal`). */
  journalDir: string;
  /** TERM→KILL grace, ms (agents.kill_grace). */
  killGraceMs?: number;
  /** How long an agent may linger after printing a complete envelope, ms (default 10 s). */
  envelopeGraceMs?: number;
  /** CPU/RSS sampling period, ms. */
  sampleIntervalMs?: number;
  /** Log rotation size per file, bytes. */
  logMaxBytes?: number;
  /** Output lines kept per run for the live view. */
  ringLines?: number;
  /** Time source. */
  clock?: Clock;
  /** Process starter; defaults to execa wrapped in setpriv --pdeathsig. */
  spawn?: SpawnFn;
  /** Logger (pino-compatible). */
  logger?: AgentLogger;
  /** Environment the agents' safe base and pass_env come from; defaults to the daemon's. */
  baseEnv?: NodeJS.ProcessEnv;
  /** Silence (no heartbeat) after which the agent guard kills an agent, ms; no guard when absent. */
  guardAfterMs?: number;
}

/** Starts agent runs and keeps track of the live ones. */
export class AgentSupervisor {
  private readonly live = new Map<string, RunHandle>();
  private readonly spawnFn: SpawnFn;
  private readonly clock: Clock;
  private readonly logger: AgentLogger;
  private readonly guard: AgentGuard | undefined;

  constructor(private readonly options: SupervisorOptions) {
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
    this.spawnFn = options.spawn ?? withParentDeathSignal(execaSpawn, this.logger);
    if (options.guardAfterMs !== undefined) this.guard = new AgentGuard(options.guardAfterMs, this.logger);
  }

  /** The daemon renewed these tasks' leases with a call sent at `since` (epoch ms): their agents' guard clocks start again from then. */
  heartbeat(taskIds: string[], since?: number): void {
    const pids = taskIds.flatMap((id) => {
      const run = this.live.get(id);
      return run ? [run.pid] : [];
    });
    this.guard?.beat(pids, since);
  }

  /** Ends the agent guard (after stopAll, on a clean shutdown). */
  close(): void {
    this.guard?.close();
  }

  /** Pid of the agent guard process, while it runs. */
  get guardPid(): number | undefined {
    return this.guard?.pid;
  }

  /** Runs currently alive, keyed by task id. */
  runs(): RunHandle[] {
    return [...this.live.values()];
  }

  /** Spawns the agent. Rejects only if the process could not be started at all. */
  async start(spec: RunSpec): Promise<RunHandle> {
    const { profile } = spec;
    // One live agent per task: the journal and run directories are keyed by task id.
    if (this.live.has(spec.taskId)) {
      throw new AidosError(
        'conflict',
        `task ${spec.taskId} already has a live agent (pid ${this.live.get(spec.taskId)?.pid})`,
      );
    }
    const runFolder = runDir(spec.workRoot, spec.taskId, spec.attempt);
    const workdir = join(runFolder, 'work');
    const messageFile = join(runFolder, 'message.md');
    // Synchronous: small local writes, faster than the fs thread pool on the claim-to-spawn path.
    mkdirSync(workdir, { recursive: true });
    // A temp folder per run: what an agent leaves there (OpenClaw leaves its exec state when it is
    // killed) goes with the run folder at retention instead of piling up in /tmp.
    const tmpDir = join(runFolder, 'tmp');
    mkdirSync(tmpDir, { recursive: true });
    writeFileSync(messageFile, spec.message);
    // `agent exec` reads project settings from its workdir; only there do its model retries go off.
    if (profile.providerRetries === false) {
      mkdirSync(join(workdir, '.openclaw'), { recursive: true });
      writeProviderRetries(join(workdir, '.openclaw', 'settings.json'), false);
    }
    const timeoutMs = spec.timeoutMs ?? profile.timeoutMs;
    const values: PlaceholderValues = {
      message_file: messageFile,
      workdir,
      timeout_s: String(Math.max(1, Math.ceil(timeoutMs / 1000))),
      task_id: spec.taskId,
      attempt: String(spec.attempt),
      model: spec.model ?? '',
      session_id: spec.sessionId ?? spec.taskId,
    };
    const env = agentBaseEnv(this.options.baseEnv ?? process.env, profile.passEnv);
    env.TMPDIR = tmpDir;
    if (profile.node) env.PATH = `${dirname(profile.node)}${delimiter}${env.PATH ?? ''}`;
    for (const [k, v] of Object.entries(profile.env)) env[k] = expandPlaceholders(v, values);
    Object.assign(env, {
      AIDOS_TASK_ID: spec.taskId,
      AIDOS_TASK_ATTEMPT: String(spec.attempt),
      AIDOS_TASK_FENCE: String(spec.fence),
      // The names before AIDOS_TASK_*, kept for agents written against them.
      AIDOS_ATTEMPT: String(spec.attempt),
      AIDOS_FENCE: String(spec.fence),
    });

    const child = this.spawnFn({
      command: profile.command,
      args: profile.args.map((a) => expandPlaceholders(a, values)),
      cwd: profile.cwd ?? workdir,
      env,
    });
    if (child.pid === undefined) {
      const exit = await child.exited;
      throw new AidosError(
        'config',
        `agents.profiles.${profile.name}.command: cannot start "${profile.command}": ${exit.spawnError}`,
        {
          field: `agents.profiles.${profile.name}.command`,
        },
      );
    }
    const pid = child.pid;
    const procStartTime = startTimeOf(pid);
    this.guard?.watch(pid, procStartTime, spec.guardSince);
    const journalDir = this.options.journalDir;
    // Written after spawn because the pid is needed; a daemon dying in between is
    // covered by the parent-death signal.
    let journalFile: string | undefined;
    try {
      journalFile = writeJournal(journalDir, {
        taskId: spec.taskId,
        attempt: spec.attempt,
        fence: spec.fence,
        pid,
        pgid: pid,
        procStartTime,
        startedAt: this.clock.now(),
      });
    } catch (error) {
      this.logger.warn({ task_id: spec.taskId, err: String(error) }, 'cannot write agent journal');
    }
    const run = new AgentRun(
      spec.taskId,
      spec.attempt,
      workdir,
      { ...child, pid },
      {
        timeoutMs,
        killGraceMs: this.options.killGraceMs ?? 5_000,
        envelopeGraceMs: this.options.envelopeGraceMs ?? 10_000,
        memoryLimitMb: profile.memoryLimitMb,
        sampleIntervalMs: this.options.sampleIntervalMs ?? 500,
        logFile: runLogFile(spec.logDir, spec.taskId, spec.attempt),
        logMaxBytes: this.options.logMaxBytes ?? 10 * 1024 * 1024,
        ringLines: this.options.ringLines ?? 200,
        procStartTime,
        clock: this.clock,
        onEnd: async () => {
          this.live.delete(spec.taskId);
          this.guard?.unwatch(pid);
          if (journalFile) await removeJournal(journalFile);
        },
      },
    );
    this.live.set(spec.taskId, run);
    // Start and end are logged once, by the task worker, which knows the claim and the next state.
    return run;
  }

  /** Cancels every live run and waits for all of them to end (daemon shutdown). */
  async stopAll(reason: string): Promise<void> {
    const runs = this.runs();
    for (const run of runs) run.cancel(reason);
    await Promise.all(runs.map((r) => r.done));
  }
}
