/** What writing one input of a group gave. */
export type GroupOutcome<O> = { ok: O } | { error: unknown };

/**
 * Collects writes that arrive during one turn of the event loop and hands them to `writeGroup`
 * together in the next (at most `max` at a time; the rest in later turns, so the loop serves other
 * work in between). SQLite calls are synchronous: a burst written one transaction at a time holds
 * the loop for all of them back to back.
 */
export class GroupWriter<I, O> {
  private readonly pending: { input: I; resolve: (o: O) => void; reject: (e: unknown) => void }[] = [];

  constructor(
    /** Writes the group (one transaction); one outcome per input, in order; throws to fail them all. */
    private readonly writeGroup: (inputs: I[]) => GroupOutcome<O>[],
    private readonly max = 100,
  ) {}

  write(input: I): Promise<O> {
    return new Promise((resolve, reject) => {
      this.pending.push({ input, resolve, reject });
      if (this.pending.length === 1) setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    const group = this.pending.splice(0, this.max);
    if (this.pending.length > 0) setImmediate(() => this.flush());
    let outcomes: GroupOutcome<O>[];
    try {
      outcomes = this.writeGroup(group.map((g) => g.input));
    } catch (error) {
      for (const g of group) g.reject(error);
      return;
    }
    group.forEach((g, i) => {
      const outcome = outcomes[i] ?? { error: new Error('no outcome written') };
      if ('ok' in outcome) g.resolve(outcome.ok);
      else g.reject(outcome.error);
    });
  }
}
