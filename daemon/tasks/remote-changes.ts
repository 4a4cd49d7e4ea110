import type { TaskStore } from '../store/facets.js';
import type { Task } from '../store/types.js';

/**
 * Changes other nodes made to tasks (their ids arrive over the peer link), read from the shared
 * store and handed to this node's `tasks` topic subscribers, so a client attached to any node sees
 * the whole cluster's tasks move. Nothing is read while no client listens. Reads run one batch at
 * a time; ids that arrive meanwhile form the next batch, so each is read after its change.
 */
export class RemoteTaskChanges {
  private readonly subscribers = new Set<(task: Task) => void>();
  private pending = new Set<string>();
  private reading = false;

  constructor(private readonly store: Pick<TaskStore, 'getTask'>) {}

  /** Ids a peer says it changed. */
  changed(ids: readonly string[]): void {
    if (this.subscribers.size === 0) return;
    for (const id of ids) this.pending.add(id);
    if (!this.reading) void this.readPending();
  }

  /** Calls `push` with every task another node changed; returns unsubscribe. */
  subscribe(push: (task: Task) => void): () => void {
    this.subscribers.add(push);
    return () => {
      this.subscribers.delete(push);
      if (this.subscribers.size === 0) this.pending.clear();
    };
  }

  private async readPending(): Promise<void> {
    this.reading = true;
    try {
      while (this.pending.size > 0) {
        const ids = [...this.pending];
        this.pending.clear();
        // A read that fails (the store is down) loses that change for the clients; their row
        // catches up with the task's next change, or their next snapshot.
        const tasks = await Promise.all(ids.map((id) => this.store.getTask(id).catch(() => undefined)));
        for (const task of tasks) if (task) for (const push of this.subscribers) push(task);
      }
    } finally {
      this.reading = false;
    }
  }
}
