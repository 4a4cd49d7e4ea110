import { performance } from 'node:perf_hooks';

/** What writing one input of a group gave. */
export type GroupOutcome<O> = { ok: O } | { error: unknown };

/**
 * Collects writes that arrive during one turn of the event loop and hands them to `writeGroup`
 * together in the next (at most `max` at a time; the rest in later turns, so the loop serves other
 * work in between). SQLite calls are synchronous: a burst written one transaction at a time holds
 * the loop for all of them back to back. `writeGroup` may also stop early, once `budgetMs` has
 * passed (a slow disk, a loaded host): the inputs it left are written first in the next turn, so
 * one turn holds the loop for about the budget however many writes wait.
 */
export class GroupWriter<I, O> {
  private pending: { input: I; resolve: (o: O) => void; reject: (e: unknown) => void }[] = [];

  constructor(
    /**
     * Writes a prefix of the group (one transaction) and returns one outcome per input written, in
     * order, at least one; stops when `performance.now()` passes `deadline`. Throws to fail them all.
     */
    private readonly writeGroup: (inputs: I[], deadline: number) => GroupOutcome<O>[],
    private readonly max = 100,
    private readonly budgetMs = 4,
  ) {}

  write(input: I): Promise<O> {
    return new Promise((resolve, reject) => {
      this.pending.push({ input, resolve, reject });
      if (this.pending.length === 1) setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    const group = this.pending.slice(0, this.max);
    let outcomes: GroupOutcome<O>[];
    try {
      outcomes = this.writeGroup(
        group.map((g) => g.input),
        performance.now() + this.budgetMs,
      );
    } catch (error) {
      this.pending = this.pending.slice(group.length);
      this.scheduleRest();
      for (const g of group) g.reject(error);
      return;
    }
    const written = Math.max(1, Math.min(outcomes.length, group.length));
    this.pending = this.pending.slice(written);
    this.scheduleRest();
    for (let i = 0; i < written; i++) {
      const g = group[i] as (typeof group)[number];
      const outcome = outcomes[i] ?? { error: new Error('no outcome written') };
      if ('ok' in outcome) g.resolve(outcome.ok);
      else g.reject(outcome.error);
    }
  }

  private scheduleRest(): void {
    if (this.pending.length > 0) setImmediate(() => this.flush());
  }
}
