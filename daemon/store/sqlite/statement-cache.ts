import type Database from 'better-sqlite3';

/** Distinct SQL texts kept prepared; dynamic lists (state filters) only make a handful. */
const MAX_STATEMENTS = 256;

/**
 * Makes `db.prepare` return one prepared statement per SQL text. The store prepares at every
 * call, and under a burst of submits compiling the same SQL again and again was a large share of
 * the event loop's time. Nothing here switches a statement's mode (pluck, raw), so sharing is safe.
 */
export function cacheStatements(db: Database.Database): void {
  const prepare = db.prepare.bind(db);
  const cache = new Map<string, Database.Statement>();
  db.prepare = ((sql: string) => {
    let statement = cache.get(sql);
    if (!statement) {
      statement = prepare(sql);
      if (cache.size >= MAX_STATEMENTS) cache.delete(cache.keys().next().value as string);
      cache.set(sql, statement);
    }
    return statement;
  }) as typeof db.prepare;
}
