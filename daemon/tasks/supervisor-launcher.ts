import {
  type AgentProfile,
  AgentSupervisor,
  type Clock,
  type RunHandle,
  reapSurvivors,
  type SpawnFn,
} from '../agents/index.js';
import { type AgentLayout, agentLayout, taskFolder } from '../agents/layout.js';
import { resolveCommand } from '../agents/resolve-command.js';
import { sweepRunFiles } from '../agents/run-files.js';
import type { Logger } from '../log/logger.js';
import type { Task } from '../store/types.js';
import type { AgentLauncher, LaunchedRun } from './launcher.js';
import { MemorySlots } from './memory-slots.js';
import type { LiveOutput } from './task-logs.js';

/** Runs claimed tasks through the local AgentSupervisor (execa, process groups, parent-death signal). */
export class SupervisorLauncher implements AgentLauncher {
  readonly supervisor: AgentSupervisor;
  private readonly paths: AgentLayout;
  private readonly handles = new Map<string, RunHandle>();
  private readonly memory = new MemorySlots();

  constructor(
    private readonly profiles: Map<string, AgentProfile>,
    dataDir: string,
    private readonly killGraceMs: number,
    logger: Logger,
    seams: { spawn?: SpawnFn; clock?: Clock } = {},
    guard: { afterMs?: number; abortMs?: number } = {},
  ) {
    this.paths = agentLayout(dataDir);
    this.supervisor = new AgentSupervisor({
      journalDir: this.paths.journal,
      killGraceMs,
      logger,
      ...seams,
      ...(guard.afterMs === undefined ? {} : { guardAfterMs: guard.afterMs }),
      ...(guard.abortMs === undefined ? {} : { guardAbortMs: guard.abortMs }),
    });
  }

  heartbeat(taskIds: string[], since?: number): void {
    this.supervisor.heartbeat(taskIds, since);
  }

  close(): void {
    this.supervisor.close();
  }

  get logDir(): string {
    return this.paths.logs;
  }

  profileNames(): string[] {
    return [...this.profiles.keys()];
  }

  /** More agents the host's free memory holds at the measured per-run peak; undefined before any run. */
  memorySlots(): number | undefined {
    return this.memory.slots();
  }

  profileSlots(profile: string): number | undefined {
    return this.profiles.get(profile)?.slots;
  }

  async launch(task: Task, guardSince?: number): Promise<LaunchedRun> {
    const profile = this.profiles.get(task.profile);
    if (!profile) throw new Error(`profile "${task.profile}" is not configured on this node`);
    // Not installed here (OpenClaw missing): the host's fault, so the task waits in the queue
    // instead of burning its attempts on exit-127 runs; tasks:claiming says why.
    if ((await resolveCommand(profile.command)) === null)
      throw Object.assign(
        new Error(`command "${profile.command}" of profile "${profile.name}" is not installed on this node`),
        { code: 'ENOTINSTALLED' },
      );
    const handle = await this.supervisor.start({
      taskId: task.id,
      attempt: task.attempt,
      fence: task.fence,
      message: task.message,
      profile,
      timeoutMs: task.timeout_ms,
      workRoot: this.paths.runs,
      logDir: this.paths.logs,
      sessionId: task.id,
      ...(guardSince === undefined ? {} : { guardSince }),
    });
    this.handles.set(task.id, handle);
    const done = handle.done.then((outcome) => {
      this.handles.delete(task.id);
      this.memory.record(outcome.peakRssBytes, task.profile);
      return outcome;
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
    const isLive = (folder: string) =>
      this.supervisor.runs().some((run) => taskFolder(run.taskId) === folder);
    return sweepRunFiles([this.paths.runs, this.paths.logs], cutoffMs, isLive);
  }

  async reapSurvivors() {
    const reaped = await reapSurvivors(this.paths.journal, { graceMs: this.killGraceMs });
    return reaped.map((r) => ({ taskId: r.taskId, pid: r.pid, killed: r.killed }));
  }
}
