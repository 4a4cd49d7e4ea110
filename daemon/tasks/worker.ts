import { performance } from 'node:perf_hooks';
import type { ClusterNode } from '../../shared/cluster.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { TaskStore } from '../store/facets.js';
import type { RunCompletion, Task, TaskEventInput } from '../store/types.js';
import { type ClaimGate, environmentalCause } from './claim-gate.js';
import { type ClaimStep, claimPlan, type SlotCapacity, slotCapacity } from './claim-plan.js';
import type { DrainWatch } from './drain-watch.js';
import type { AgentLauncher, LaunchedRun } from './launcher.js';
import { claimAllowance } from './placement.js';
import { completionFor, launchFailedCompletion, type RetrySettings } from './retry-policy.js';
import type { TaskFeed } from './task-feed.js';
import { WriteBatch } from './write-batch.js';

/** Worker settings (from `agents.slots` and `tasks.*`). */
export interface WorkerSettings extends RetrySettings {
  /** This node's id. */
  nodeId: string;
  /** Agents this node runs at once. */
  slots: number;
  /** Lease length of a claim (tasks.lease). */
  lease_ms: number;
  /** How often leases are renewed, well under the lease (tasks.renew_every). */
  renew_every_ms: number;
  /** Labels this node advertises (config `labels`): it claims only tasks whose requirements they meet. */
  labels?: Record<string, string>;
  /** Silence after which the agent guard kills an agent, under the lease (tasks.guard_after); none when absent. */
  guard_after_ms?: number;
  /** Fallback poll when no wake-up notification arrives (tasks.poll_interval). */
  poll_interval_ms: number;
  /** Keep final tasks this long (tasks.retention). */
  retention_ms: number;
}

/** Dependencies of the worker, injectable for tests. */
export interface WorkerDeps {
  /** The store (claims, leases, completions). */
  store: TaskStore;
  /** Starts agent processes. */
  launcher: AgentLauncher;
  /** Where task changes are published. */
  feed: TaskFeed;
  /** Logger. */
  logger: Logger;
  /** True while the store is reachable and migrated. */
  storeReady: () => boolean;
  /** Reports a failed store call so readiness reflects it at once. */
  storeFailed: (error: unknown) => void;
  /** Says when the host cannot take work (disk floor, launches failing with ENOSPC/EMFILE/…). */
  gate?: ClaimGate;
  /** Operator drains and moves (from the store); none on a worker without them (unit tests). */
  drain?: DrainWatch;
  /** Live cluster members as gossip shows them (this node included), for load-aware placement; none on a lone node. */
  peers?: () => ClusterNode[];
  /** Clock. */
  now?: () => number;
}

const round2 = (ms: number): number => Math.round(ms * 100) / 100;

interface ActiveRun {
  task: Task;
  run: LaunchedRun | undefined;
  finishing?: Promise<void>;
  /** Its `started` event being written: the completion waits for it, so history stays in order. */
  started?: Promise<void>;
  stopping?: 'cancel' | 'lease_lost' | 'shutdown' | 'isolated' | 'guarded' | 'move';
  /** Why it moves, when stopping is `move`. */
  moveReason?: string;
  /** When its guard was last told the lease was renewed (the guard counts from no earlier), ms. */
  beatAt: number;
}

/**
 * Claims queued tasks up to the free slots, runs each as an agent process, renews the leases while
 * they run, and records how each ended. Completions that cannot reach the store are retried until
 * they land or their fence goes stale, so a result is never dropped and never recorded twice.
 */
export class TaskWorker {
  readonly name = 'task-worker';
  private readonly active = new Map<string, ActiveRun>();
  private readonly pendingCompletions = new Map<string, RunCompletion>();
  private readonly timers: NodeJS.Timeout[] = [];
  private unsubscribe: (() => void) | undefined;
  private claiming: Promise<void> | undefined;
  private claimAgain = false;
  /** The last claim round left work to a less-loaded peer: a change in its load may let us claim. */
  private heldBack = false;
  private stopped = false;
  private lastRenewOk: number;
  private recovered = false;
  private started = false;
  private readonly now: () => number;
  private readonly completions: WriteBatch<RunCompletion, Task | undefined>;
  private readonly startedEvents: WriteBatch<TaskEventInput, undefined>;

  constructor(
    private readonly settings: WorkerSettings,
    private readonly deps: WorkerDeps,
  ) {
    this.now = deps.now ?? Date.now;
    this.lastRenewOk = this.now();
    this.completions = new WriteBatch((items) => deps.store.completeRuns(items));
    this.startedEvents = new WriteBatch(async (items) => {
      await deps.store.appendTaskEvents(items);
      return items.map(() => undefined);
    });
  }

  /** Task ids this node runs right now. */
  runningIds(): string[] {
    return [...this.active.keys()];
  }

  /** The profile of a task running here, if it is. */
  profileOf(taskId: string): string | undefined {
    return this.active.get(taskId)?.task.profile;
  }

  get freeSlots(): number {
    const { sharedFree, dedicated } = this.capacity();
    return sharedFree + [...dedicated.values()].reduce((sum, free) => sum + free, 0);
  }

  private capacity(): SlotCapacity {
    return slotCapacity(
      this.deps.launcher,
      [...this.active.values()].map((e) => e.task.profile),
      this.settings.slots,
    );
  }

  private claimPlan(): ClaimStep[] {
    return claimPlan(this.capacity(), this.claimableProfiles(), this.deps.launcher.profileNames());
  }

  async start(): Promise<void> {
    await this.recover();
    // A drain stored before a restart holds at once: no claim before we know of it.
    await this.deps.drain?.refresh().catch((error) => this.deps.storeFailed(error));
    this.started = true;
    this.unsubscribe = this.deps.store.onTaskQueued(() => this.wake());
    this.every(this.settings.poll_interval_ms, () => this.wake());
    this.every(this.settings.renew_every_ms, () => this.renew());
    this.every(Math.max(500, Math.floor(this.settings.lease_ms / 2)), () => this.sweepExpired());
    this.every(3_600_000, () => this.prune());
    this.wake();
  }

  private every(ms: number, fn: () => unknown): void {
    const timer = setInterval(() => {
      if (!this.stopped) void fn();
    }, ms);
    timer.unref();
    this.timers.push(timer);
  }

  /** Kills agents a crashed daemon left behind, then returns their tasks (and any other of ours) to the queue. */
  private async recover(): Promise<void> {
    const reaped = await this.deps.launcher.reapSurvivors();
    for (const r of reaped)
      this.deps.logger.warn(
        { task_id: r.taskId, agent_pid: r.pid, killed: r.killed },
        'stopped an agent left by a previous daemon',
      );
    await this.requeueOwnRuns();
  }

  /** Our tasks still marked running belong to a previous daemon; retried by the sweep until the store answers. */
  private async requeueOwnRuns(): Promise<void> {
    if (this.recovered || !this.deps.storeReady()) return;
    try {
      const requeued = await this.deps.store.requeueNodeRuns(
        this.settings.nodeId,
        'daemon restarted while the task ran',
      );
      for (const task of requeued) {
        this.deps.logger.warn(
          { task_id: task.id, state: task.state, attempt: task.attempt },
          'recovered task from previous run',
        );
        this.deps.feed.publish(task);
      }
      this.recovered = true;
    } catch (error) {
      this.deps.storeFailed(error);
    }
  }

  /** The store link came up: recover our previous runs and claim now, not at the next lease sweep. */
  storeUp(): void {
    // Before start, survivors of a previous daemon may not be reaped yet: start recovers itself.
    if (this.stopped || !this.started) return;
    void this.requeueOwnRuns().then(() => this.wake());
  }

  /** Asks for a claim round; coalesces wake-ups that arrive while one runs. */
  wake(): void {
    if (this.stopped) return;
    if (this.claiming) {
      this.claimAgain = true;
      return;
    }
    this.claiming = this.claimLoop().finally(() => {
      this.claiming = undefined;
      if (this.claimAgain) {
        this.claimAgain = false;
        this.wake();
      }
    });
  }

  private claimableProfiles(): string[] | undefined {
    const counts = new Map<string, number>();
    for (const { task } of this.active.values())
      counts.set(task.profile, (counts.get(task.profile) ?? 0) + 1);
    const full = new Set(
      [...counts]
        .filter(([profile, n]) => n >= (this.deps.launcher.profileSlots(profile) ?? Number.POSITIVE_INFINITY))
        .map(([p]) => p),
    );
    // undefined = no filter, so tasks of any profile (even one removed from config) are claimed and reported.
    if (full.size === 0) return undefined;
    return this.deps.launcher.profileNames().filter((p) => !full.has(p));
  }

  private async claimLoop(): Promise<void> {
    // Never claim before our previous incarnation's tasks are back in the queue.
    if (!this.recovered) return;
    while (!this.stopped && this.freeSlots > 0 && this.deps.storeReady() && !this.deps.drain?.draining) {
      // The poll interval wakes us again; readiness tells the operator why we wait.
      if (await this.deps.gate?.blocked()) return;
      const claimed: Task[] = [];
      // The claim proves our lease from when it was sent: agent guards count from here (failover.ts).
      const proof = { at: this.now(), wall: Date.now() };
      let allowed = this.allowance();
      this.heldBack = false;
      try {
        for (const step of this.claimPlan()) {
          const open = await this.claimStep(step, Math.min(step.limit, allowed), false);
          claimed.push(...open);
          allowed -= open.length;
          if (open.length === step.limit || allowed > 0) continue;
          // Held back: tasks only this node (or a labelled one) can take never wait for a peer.
          this.heldBack = true;
          claimed.push(...(await this.claimStep(step, step.limit - open.length, true)));
        }
      } catch (error) {
        this.deps.storeFailed(error);
        // What an earlier step claimed is ours now: run it rather than leave it to lease expiry.
        if (claimed.length === 0) return;
      }
      const claimedAt = performance.now();
      if (claimed.length === 0) return;
      for (const task of claimed) await this.launch(task, claimedAt, proof);
      if (!this.deps.storeReady()) return;
      // Every profile with work is full: another round would claim nothing.
      if (this.claimableProfiles()?.length === 0) return;
    }
  }

  private claimStep(step: ClaimStep, limit: number, placedOnly: boolean): Promise<Task[]> {
    const { nodeId, lease_ms, labels } = this.settings;
    return this.deps.store.claimTasks(nodeId, limit, lease_ms, step.profiles, labels ?? {}, placedOnly);
  }

  /** Tasks any node could take that we may claim now (placement.ts); unlimited on a lone node. */
  private allowance(): number {
    const nodes = this.deps.peers?.() ?? [];
    const self = nodes.find((n) => n.self);
    return claimAllowance(
      { agents: this.active.size, slots: this.settings.slots },
      nodes,
      self?.store_identity ?? null,
    );
  }

  /** A peer's membership or load changed: claim again if we left work to a less-loaded peer. */
  peerChanged(): void {
    if (this.heldBack) this.wake();
  }

  private async launch(task: Task, claimedAt: number, proof: { at: number; wall: number }): Promise<void> {
    const entry: ActiveRun = { task, run: undefined, beatAt: proof.at };
    this.active.set(task.id, entry);
    const launchAt = performance.now();
    try {
      entry.run = await this.deps.launcher.launch(task, proof.wall);
      // Published once the agent exists, so a log follower woken by it can attach to the run.
      this.deps.feed.publish(task);
    } catch (error) {
      this.active.delete(task.id);
      const message = `agent could not be started: ${errorMessage(error)}`;
      const cause = this.deps.gate ? environmentalCause(error) : undefined;
      if (cause && this.deps.gate) {
        // The host, not the task, is at fault: back to the queue without using up an attempt.
        const pause = this.deps.gate.launchFailed(cause, errorMessage(error));
        this.deps.logger.warn({ task_id: task.id, err: message, pause_ms: pause }, 'launch deferred');
        await this.complete(
          launchFailedCompletion(task, this.settings.nodeId, message, { cause, pause_ms: pause }),
        );
        return;
      }
      this.deps.logger.error({ task_id: task.id, err: message }, 'launch failed');
      await this.complete(launchFailedCompletion(task, this.settings.nodeId, message));
      return;
    }
    this.deps.gate?.launched();
    const startedAt = performance.now();
    // Supervisor overhead: spawn_ms = launcher.launch alone; claim_to_spawn_ms also counts the wait behind
    // earlier tasks of the same claim batch.
    const timing = {
      spawn_ms: round2(startedAt - launchAt),
      claim_to_spawn_ms: round2(startedAt - claimedAt),
    };
    this.deps.logger.info(
      { task_id: task.id, attempt: task.attempt, agent_pid: entry.run.pid, profile: task.profile, ...timing },
      'agent started',
    );
    entry.started = this.startedEvents
      .add({
        task_id: task.id,
        kind: 'started',
        node_id: this.settings.nodeId,
        detail: { pid: entry.run.pid, ...timing },
      })
      .catch((error) => this.deps.storeFailed(error));
    entry.finishing = entry.run.done.then((outcome) => this.finished(entry, outcome));
  }

  private async finished(entry: ActiveRun, outcome: Awaited<LaunchedRun['done']>): Promise<void> {
    const { task } = entry;
    this.active.delete(task.id);
    if (outcome.kind !== 'succeeded' && this.guardMayHaveFired(entry)) entry.stopping ??= 'guarded';
    if (entry.stopping === 'move' && outcome.kind !== 'succeeded') {
      await this.releaseMoved(entry);
      this.wake();
      return;
    }
    if (entry.stopping === 'lease_lost' || entry.stopping === 'isolated' || entry.stopping === 'guarded') {
      this.deps.logger.warn(
        { task_id: task.id, reason: entry.stopping },
        'agent stopped without recording a result (lease lost)',
      );
      this.wake();
      return;
    }
    const stopped = entry.stopping === 'cancel' || entry.stopping === 'shutdown' ? entry.stopping : undefined;
    const completion = completionFor(task, this.settings.nodeId, outcome, this.settings, {
      ...(stopped ? { stopped } : {}),
    });
    this.deps.logger.info(
      {
        task_id: task.id,
        attempt: task.attempt,
        outcome: outcome.kind,
        next: completion.next,
        ...(outcome.error ? { err: outcome.error } : {}),
      },
      'agent finished',
    );
    await entry.started;
    await this.complete(completion);
    this.wake();
  }

  private async complete(completion: RunCompletion): Promise<void> {
    try {
      const after = await this.completions.add(completion);
      this.pendingCompletions.delete(completion.id);
      if (!after)
        this.deps.logger.warn(
          { task_id: completion.id, fence: completion.fence },
          'completion refused: fence is stale',
        );
      const task = after ?? (await this.deps.store.getTask(completion.id));
      if (task) this.deps.feed.publish(task);
    } catch (error) {
      this.deps.storeFailed(error);
      this.pendingCompletions.set(completion.id, completion);
    }
  }

  /**
   * Hands a run stopped for a move back to the queue (pinned to its target, when one was asked),
   * only now that its agent has exited: the target cannot claim it before, so the task never has
   * two live agents. If the store does not answer, the lease lapses and the task is re-queued.
   */
  private async releaseMoved(entry: ActiveRun): Promise<void> {
    const { task } = entry;
    const watch = this.deps.drain;
    if (!watch) return;
    try {
      const released = await watch.release({
        id: task.id,
        fence: task.fence,
        node_id: this.settings.nodeId,
        reason: entry.moveReason ?? 'move',
      });
      if (!released) {
        this.deps.logger.warn(
          { task_id: task.id, fence: task.fence },
          'move release refused: fence is stale',
        );
        return;
      }
      this.deps.logger.info({ task_id: task.id, to: released.pin_node ?? null }, 'agent stopped; task moved');
      this.deps.feed.publish(released);
    } catch (error) {
      this.deps.storeFailed(error);
    }
  }

  /** Stops the runs an operator moved (or a drain moves), gracefully; each is released once it exits. */
  private async applyMoves(): Promise<void> {
    const watch = this.deps.drain;
    if (!watch) return;
    const running = [...this.active.values()].filter((e) => e.run && !e.stopping).map((e) => e.task.id);
    for (const stop of await watch.stops(running)) {
      const entry = this.active.get(stop.id);
      if (entry) entry.moveReason = stop.reason;
      this.stopRun(stop.id, 'move', stop.reason);
    }
  }

  /** Cancels a task this node runs; false when it does not run here. */
  cancelLocal(taskId: string, reason: string): boolean {
    const entry = this.active.get(taskId);
    if (!entry?.run) return false;
    entry.stopping ??= 'cancel';
    entry.run.cancel(reason);
    return true;
  }

  /**
   * True once the agent guard may have killed this run: the daemon was silent (paused) past the
   * guard's bound. Such a run is treated like a lost lease, whatever order the wake-up brings the
   * exit and the renewal in: nothing recorded, the lease lapses and the task is queued again.
   */
  private guardMayHaveFired(entry: ActiveRun): boolean {
    const bound = this.settings.guard_after_ms;
    return bound !== undefined && this.now() - entry.beatAt >= bound;
  }

  private async renew(): Promise<void> {
    for (const completion of [...this.pendingCompletions.values()]) await this.complete(completion);
    for (const entry of this.active.values())
      if (entry.run && !entry.stopping && this.guardMayHaveFired(entry))
        this.stopRun(entry.task.id, 'guarded', 'agent guard: the daemon did not renew this lease in time');
    // A run stopping for a move keeps its lease until its agent has exited and it is released.
    const runs = [...this.active.values()]
      .filter((e) => !e.stopping || e.stopping === 'move')
      .map((e) => ({ id: e.task.id, fence: e.task.fence }));
    if (runs.length === 0) {
      this.lastRenewOk = this.now();
      await this.applyMoves().catch((error) => this.deps.storeFailed(error));
      return;
    }
    // Guards count from when the renewal was sent, not from its answer: a survivor that sees the
    // store's proof older than the guard's bound knows the guard has fired (failover.ts).
    const sentAt = this.now();
    const sentWall = Date.now();
    try {
      const kept = new Set(
        await this.deps.store.renewLeases(this.settings.nodeId, runs, this.settings.lease_ms),
      );
      this.lastRenewOk = sentAt;
      const beaten = runs.filter((run) => kept.has(run.id)).map((run) => run.id);
      for (const id of beaten) {
        const entry = this.active.get(id);
        if (entry) entry.beatAt = Math.max(entry.beatAt, sentAt);
      }
      this.deps.launcher.heartbeat?.(beaten, sentWall);
      for (const run of runs) {
        if (kept.has(run.id)) continue;
        this.stopRun(run.id, 'lease_lost', 'lease lost: another node owns this task now');
      }
      for (const id of await this.deps.store.listCancelRequested(this.settings.nodeId))
        this.cancelLocal(id, 'cancelled by request');
      await this.applyMoves();
    } catch (error) {
      this.deps.storeFailed(error);
      // Cut off from the store: stop our agents before our leases lapse and another node runs them,
      // and one renewal period before their guards would, so they get a graceful stop.
      const fenceAt = (this.settings.guard_after_ms ?? this.settings.lease_ms) - this.settings.renew_every_ms;
      if (this.now() - this.lastRenewOk > fenceAt) {
        for (const run of runs)
          this.stopRun(run.id, 'isolated', 'store unreachable: lease cannot be renewed');
      }
    }
  }

  private stopRun(taskId: string, why: NonNullable<ActiveRun['stopping']>, reason: string): void {
    const entry = this.active.get(taskId);
    if (!entry?.run || entry.stopping) return;
    entry.stopping = why;
    this.deps.logger.warn({ task_id: taskId, reason }, 'stopping agent');
    entry.run.cancel(reason);
  }

  private async sweepExpired(): Promise<void> {
    if (!this.deps.storeReady()) return;
    await this.requeueOwnRuns();
    // After a pause (SIGSTOP, a blocked loop) our own leases may have lapsed: renew them first so we
    // never re-queue, and then run a second agent for, a task whose agent still runs here.
    await this.renew();
    try {
      for (const task of await this.deps.store.requeueExpiredLeases('lease expired')) {
        this.deps.logger.warn({ task_id: task.id, state: task.state }, 'lease expired; task re-queued');
        this.deps.feed.publish(task);
      }
    } catch (error) {
      this.deps.storeFailed(error);
    }
  }

  private async prune(): Promise<void> {
    const cutoff = this.now() - this.settings.retention_ms;
    try {
      // Local files need no store: a node cut off from it still keeps its disk in check.
      const swept = await this.deps.launcher.sweepFiles(cutoff);
      if (swept > 0) this.deps.logger.info({ tasks: swept }, 'removed run folders and logs past retention');
    } catch (error) {
      this.deps.logger.warn({ err: errorMessage(error) }, 'cannot remove old run folders');
    }
    if (!this.deps.storeReady()) return;
    try {
      const removed = await this.deps.store.pruneFinishedTasks(cutoff);
      if (removed > 0) this.deps.logger.info({ removed }, 'pruned finished tasks past retention');
    } catch (error) {
      this.deps.storeFailed(error);
    }
  }

  /** Stops claiming, interrupts running agents and returns their tasks to the queue without using up an attempt. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    for (const timer of this.timers) clearInterval(timer);
    await this.claiming;
    const runs = [...this.active.values()];
    for (const entry of runs) {
      if (!entry.run) continue;
      entry.stopping ??= 'shutdown';
      entry.run.cancel('daemon stopping');
    }
    await Promise.all(runs.map((e) => e.finishing));
    this.deps.launcher.close?.();
    for (const completion of [...this.pendingCompletions.values()]) await this.complete(completion);
  }
}
