import type { ClusterNode } from '../../shared/cluster.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { HEARTBEAT_EVERY_MS } from '../runtime/module.js';
import type { TaskStore } from '../store/facets.js';
import type { TaskFeed } from './task-feed.js';

/** How often a survivor asks the store again while a dead node's heartbeat row is not stale yet. */
const RETRY_EVERY_MS = 250;
/** Past the guard's bound: its check period (≤ 100 ms), the SIGKILL landing, a loaded host. */
export const GUARD_SLACK_MS = 1_000;

/** What the failover of dead nodes needs. */
export interface FailoverDeps {
  /** The tasks facet (its conditional failover statement). */
  store: TaskStore;
  /** Where re-queued tasks are published. */
  feed: TaskFeed;
  /** For the re-queue warnings. */
  logger: Logger;
  /** This node's id (recorded on the task events). */
  selfId: string;
  /** The agent guard's bound (tasks.guard_after, or its default). */
  guardAfterMs: number;
  /** Whether the store link is up now. */
  storeReady: () => boolean;
  /** Reports a store error to the link. */
  storeFailed: (error: unknown) => void;
}

/**
 * Re-queues a dead node's running tasks as soon as membership declares it dead and its heartbeat
 * row has stopped moving, instead of waiting for their leases. Every claim and renewal moves that
 * row, and each agent's guard counts from when that call was sent (never later), so a row older
 * than the guard's bound plus a slack proves every guard of that node has fired: a node that is
 * only paused or cut off has had its agents killed, and no task ever has two live agents. Every
 * survivor tries; the store's conditional statement moves each task once. Lease expiry stays the
 * fallback. Failover time ≈ max(gossip's death verdict, tasks.guard_after + 1 s).
 */
export class NodeFailover {
  private readonly dead = new Map<string, NodeJS.Timeout>();
  readonly staleMs: number;

  constructor(private readonly deps: FailoverDeps) {
    this.staleMs = deps.guardAfterMs + GUARD_SLACK_MS;
  }

  /** A membership change: start trying on dead, stop on anything else. */
  member(node: ClusterNode): void {
    if (node.self) return;
    if (node.state !== 'dead') {
      this.forget(node.id);
      return;
    }
    if (this.dead.has(node.id)) return;
    // Bounded: past the stale window plus the lease sweep's reach, the lease fallback has it.
    const giveUpAt = Date.now() + this.staleMs + HEARTBEAT_EVERY_MS * 4;
    const timer = setInterval(() => {
      if (Date.now() > giveUpAt) this.forget(node.id);
      else void this.attempt(node.id);
    }, RETRY_EVERY_MS);
    timer.unref();
    this.dead.set(node.id, timer);
    void this.attempt(node.id);
  }

  /** Stops every retry (daemon shutdown). */
  stop(): void {
    for (const id of [...this.dead.keys()]) this.forget(id);
  }

  private forget(id: string): void {
    const timer = this.dead.get(id);
    if (timer) clearInterval(timer);
    this.dead.delete(id);
  }

  private async attempt(id: string): Promise<void> {
    if (!this.deps.storeReady()) return;
    try {
      const moved = await this.deps.store.failoverNodeRuns(id, this.staleMs, this.deps.selfId);
      for (const task of moved) {
        this.deps.logger.warn(
          { task_id: task.id, state: task.state, attempt: task.attempt, dead_node: id },
          'node dead; task re-queued',
        );
        this.deps.feed.publish(task);
      }
    } catch (error) {
      this.deps.logger.warn({ err: errorMessage(error), dead_node: id }, 'failover of a dead node failed');
      this.deps.storeFailed(error);
    }
  }
}
