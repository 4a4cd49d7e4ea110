import type { Update } from './types.js';

interface Queued {
  update: Update;
  sent: number;
  order: number;
}

/**
 * Updates waiting to be piggybacked: one per member (a newer rumour about a member replaces the
 * older), least-sent first, each dropped after `limit()` transmissions (~ multiplier × log N).
 */
export class BroadcastQueue {
  private readonly queued = new Map<string, Queued>();
  private counter = 0;

  constructor(private readonly limit: () => number) {}

  /** Updates still queued. */
  get size(): number {
    return this.queued.size;
  }

  /** Queues `update`, replacing any older rumour about the same member. */
  add(update: Update): void {
    this.queued.set(update.id, { update, sent: 0, order: this.counter++ });
  }

  /** Takes up to `max` updates for one message, counting a transmission of each. */
  take(max: number): Update[] {
    if (this.queued.size === 0 || max <= 0) return [];
    const entries = [...this.queued.values()];
    entries.sort((a, b) => a.sent - b.sent || b.order - a.order);
    const chosen = entries.slice(0, max);
    const limit = this.limit();
    for (const entry of chosen) {
      entry.sent++;
      if (entry.sent >= limit) this.queued.delete(entry.update.id);
    }
    return chosen.map((entry) => entry.update);
  }

  /** Empties the queue. */
  clear(): void {
    this.queued.clear();
  }
}
