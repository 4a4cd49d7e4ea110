import { createHash } from 'node:crypto';
import type pg from 'pg';

/**
 * Names the hot statements (claims, renewals, completions, events, submissions) so each connection
 * parses and plans them once, as graphile-worker does with its `preparedStatements`: planning was
 * about half the server's CPU per task. A transaction pooler (PgBouncer before 1.21) hands one
 * session's statements to other server connections, so naming is off when `store.direct_url` says
 * a pooler is in between, and it switches itself off at the first "prepared statement does not
 * exist / already exists" (a pooler nobody told us of). Both errors come before the statement runs,
 * so the caller retries it unnamed. A name is a hash of its text, so a statement bound on a server
 * connection another daemon (of another version) prepared runs that same text or fails, never another.
 */
export class PreparedStatements {
  /** Statement text → the name's hash part. */
  private readonly hot: Map<string, string>;
  private on: boolean;
  /** Bumped when a schema change (a migration by a newer node) made a prepared result shape stale. */
  private generation = 0;

  constructor(hot: readonly string[], enabled: boolean) {
    this.hot = new Map(hot.map((sql) => [sql, createHash('sha256').update(sql).digest('hex').slice(0, 24)]));
    this.on = enabled;
  }

  /** The query to send: named when `text` is a hot statement and naming works on this link. */
  config(text: string, values: unknown[]): pg.QueryConfig {
    const hash = this.on ? this.hot.get(text) : undefined;
    return hash === undefined ? { text, values } : { name: `aidos_${hash}_${this.generation}`, text, values };
  }

  /**
   * True when `error` came from naming `text` and a retry (unnamed, or under a new name) will not;
   * also for the other statements that were in flight named when naming was switched off.
   */
  retryable(error: unknown, text: string): boolean {
    if (!this.hot.has(text)) return false;
    const { code, message } = error as { code?: string; message?: string };
    if (code === '26000' || code === '42P05') {
      this.on = false;
      return true;
    }
    // "cached plan must not change result type": a column was added under our prepared `RETURNING *`.
    if (code === '0A000' && message?.includes('cached plan')) {
      this.generation++;
      return true;
    }
    return false;
  }
}
