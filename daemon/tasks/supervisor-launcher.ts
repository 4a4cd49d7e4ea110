import { join } from 'node:path';
import {
  type AgentProfile,
  AgentSupervisor,
  type Clock,
  type RunHandle,
  type RunOutcome,
  reapSurvivors,
  type SpawnFn,
} from '../agents/index.js';
import { sweepRunFiles } from '../agents/run-files.js';
import { safeName } from '../agents/safe-name.js';
import type { Logger } from '../log/logger.js';
import type { Task } from '../store/types.js';
import type { AgentLauncher, LaunchedRun, RunResult } from './launcher.js';
import { MemorySlots } from './memory-slots.js';
import type { LiveOutput } from './task-logs.js';

/** Where the supervisor keeps its files under the data dir. */
export function agentPaths(dataDir: string) {
  return {
    journal: join(dataDir, 'agents', 'journal'),
    work: join(dataDir, 'agents', 'runs'),
    logs: join(dataDir, 'agents', 'logs'),
  };
}

/** A finished run as the worker takes it. */
export function toRunResult(o: RunOutcome): RunResult {
  return {
    kind: o.kind,
    retryable: o.retryable,
    ...(o.result === undefined ? {} : { result: o.result }),
    ...(o.error === undefined ? {} : { error: o.error }),
    exitCode: o.exitCode ?? null,
    signal: o.signal ?? null,
    durationMs: o.durationMs,
    peakRssBytes: o.peakRssBytes,
  };
}

/** Runs claimed tasks through the local AgentSupervisor (execa, process groups, parent-death signal). */
export class SupervisorLauncher implements AgentLauncher {
  readonly supervisor: AgentSupervisor;
  private readonly paths: ReturnType<typeof agentPaths>;
  private readonly handles = new Map<string, RunHandle>();
  private readonly memory = new MemorySlots();

  constructor(
    private readonly profiles: Map<string, AgentProfile>,
    dataDir: string,
    private readonly killGraceMs: number,
    logger: Logger,
    seams: { spawn?: SpawnFn; clock?: Clock } = {},
  ) {
    this.paths = agentPaths(dataDir);
    this.supervisor = new AgentSupervisor({ journalDir: this.paths.journal, killGraceMs, logger, ...seams });
  }

  get logDir(): string {
    return this.paths.logs;
  }

  profileNames(): string[] {
    return [...this.profiles.keys()];
  }

  profileSlots(profile: string): number | undefined {
    return this.profiles.get(profile)?.slots;
  }

  /** More agents the host's free memory holds at the measured per-run peak; undefined before any run. */
  memorySlots(): number | undefined {
    return this.memory.slots();
  }

  async launch(task: Task): Promise<LaunchedRun> {
    const profile = this.profiles.get(task.profile);
    if (!profile) throw new Error(`profile "${task.profile}" is not configured on this node`);
    const handle = await this.supervisor.start({
      taskId: task.id,
      attempt: task.attempt,
      fence: task.fence,
      message: task.message,
      profile,
      timeoutMs: task.timeout_ms,
      workRoot: this.paths.work,
      logDir: this.paths.logs,
      sessionId: task.id,
    });
    this.handles.set(task.id, handle);
    const done = handle.done.then((outcome) => {
      this.handles.delete(task.id);
      this.memory.record(outcome.peakRssBytes);
      return toRunResult(outcome);
    });
    return { pid: handle.pid, cancel: (reason) => handle.cancel(reason), done };
  }

  /** Live output of a task running here. */
  live(taskId: string): LiveOutput | undefined {
    const handle = this.handles.get(taskId);
    if (!handle) return undefined;
    return {
      attempt: handle.attempt,
      recentLines: () => handle.recentLines().map(({ stream, text }) => ({ stream, text })),
      subscribe: (listener) => handle.subscribe(({ stream, text }) => listener({ stream, text })),
    };
  }

  async sweepFiles(cutoffMs: number): Promise<number> {
    const isLive = (folder: string) => this.supervisor.runs().some((run) => safeName(run.taskId) === folder);
    return sweepRunFiles([this.paths.work, this.paths.logs], cutoffMs, isLive);
  }

  async reapSurvivors() {
    const reaped = await reapSurvivors(this.paths.journal, { graceMs: this.killGraceMs });
    return reaped.map((r) => ({ taskId: r.taskId, pid: r.pid, killed: r.killed }));
  }
}
