import type { z } from 'zod';
import type { peerTaskChangedSchema } from '../../shared/cluster.js';
import type { Transport } from './transport.js';
import type { PeerMessage } from './types.js';

/** A `task-changed` message between daemons (shared/cluster.ts). */
export type TaskChangedMessage = z.infer<typeof peerTaskChangedSchema>;

/** Telling the cluster's client-serving nodes which tasks this node changed (the `cluster.tasks` service). */
export interface ClusterTaskLink {
  /** A task this node changed: sent, batched, to every live peer with the `api` role. */
  announce(taskId: string): void;
  /** Calls `listener` with the ids a peer says it changed; returns stop. */
  onChanged(listener: (ids: string[], from: string) => void): () => void;
}

/** Ids are batched for this long (a burst of changes costs one frame per peer). */
const FLUSH_MS = 50;
/** A batch is sent at once when it reaches this many ids (the schema's bound). */
const MAX_IDS = 1000;

export function isTaskChangedMessage(message: { type: string }): message is TaskChangedMessage {
  return message.type === 'task-changed';
}

/**
 * Task changes across the cluster: every node sends the ids of the tasks it changed to the live
 * members that serve clients, which read them from the shared store and push them on their
 * `tasks` topic. Ids only: the store stays the one source of a task's state, and a frame stays
 * small whatever the task's message. Best effort, like all gossip: a lost batch leaves a client's
 * row behind until the task's next change or the client's next snapshot.
 */
export class PeerTaskLink implements ClusterTaskLink {
  private pending = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private readonly listeners = new Set<(ids: string[], from: string) => void>();

  constructor(
    private readonly selfId: string,
    private readonly transport: () => Transport | undefined,
    /** Addresses of the live peers that serve clients. */
    private readonly peers: () => string[],
  ) {}

  announce(taskId: string): void {
    this.pending.add(taskId);
    if (this.pending.size >= MAX_IDS) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), FLUSH_MS);
  }

  onChanged(listener: (ids: string[], from: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A task-changed message from a peer (its `from` is the authenticated node). */
  receive(message: TaskChangedMessage): void {
    if (message.from === this.selfId || message.ids.length === 0) return;
    for (const listener of this.listeners) listener(message.ids, message.from);
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const ids = [...this.pending];
    this.pending.clear();
    const transport = this.transport();
    if (!transport || ids.length === 0) return;
    // The transport carries any message of peerMessageSchema; SWIM's own type does not list these.
    const message = { type: 'task-changed', from: this.selfId, ids } as unknown as PeerMessage;
    for (const address of this.peers()) transport.send(address, message);
  }

  /** Drops what is not sent yet (daemon stop). */
  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.pending.clear();
    this.listeners.clear();
  }
}
