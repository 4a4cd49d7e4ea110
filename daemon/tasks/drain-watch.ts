import type { Logger } from '../log/logger.js';
import type { PoolStore } from '../store/facets.js';
import type { MovedRunRelease, NodeDrain, Task } from '../store/types.js';

/** A run this node must stop and release to another node, and why (for the log and the event). */
export interface MoveStop {
  /** Task id. */
  id: string;
  /** Why it moves. */
  reason: string;
}

/**
 * What the store says about this node's part in the pool: whether an operator drained it, and
 * which of its runs must move. The node that owns the agents reads it on its renewal tick, so a
 * drain or a move asked on any node is carried out by the one node that can stop the agent, and a
 * drain outlives a restart of the drained daemon (it is a row, not memory).
 */
export class DrainWatch {
  private drain: NodeDrain | undefined;

  constructor(
    private readonly nodeId: string,
    private readonly pool: PoolStore,
    private readonly logger: Logger,
    private readonly changed: (draining: boolean) => void,
  ) {}

  /** True while an operator drain is in force: the node claims nothing. */
  get draining(): boolean {
    return this.drain !== undefined;
  }

  /** Reads the drain row; throws when the store does not answer (the caller reports it). */
  async refresh(): Promise<void> {
    const drain = await this.pool.nodeDrain(this.nodeId);
    const was = this.drain !== undefined;
    this.drain = drain;
    if (was === (drain !== undefined)) return;
    if (drain)
      this.logger.warn(
        { deadline_in_ms: drain.deadline_in_ms, move: drain.move },
        'node drained: claiming stopped',
      );
    else this.logger.info('node undrained: claiming again');
    this.changed(drain !== undefined);
  }

  /** Releases a run stopped for a move (PoolStore.releaseMovedRun); undefined when its fence is stale. */
  release(c: MovedRunRelease): Promise<Task | undefined> {
    return this.pool.releaseMovedRun(c);
  }

  /**
   * Refreshes, then lists the runs among `running` to stop and release now: those an operator
   * moved, and under a drain all of them once it says `move` or its deadline has passed.
   */
  async stops(running: string[]): Promise<MoveStop[]> {
    await this.refresh();
    const stops = new Map<string, string>();
    if (running.length === 0) return [];
    for (const move of await this.pool.listMoveRequested(this.nodeId))
      if (running.includes(move.id)) stops.set(move.id, `moving to node ${move.to}`);
    const drain = this.drain;
    if (drain && (drain.move || drain.deadline_in_ms <= 0)) {
      const reason = drain.move ? 'node drained with --move' : 'drain deadline passed';
      for (const id of running) if (!stops.has(id)) stops.set(id, reason);
    }
    return [...stops].map(([id, reason]) => ({ id, reason }));
  }
}
