import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import { AidosError } from '../../errors.js';
import { PG } from './sql.js';
import type { TableSpec } from './tables.js';
import { inTransaction, targetQuery } from './target.js';

/** What rebuilding the deferred indexes and constraints took. */
export interface DeferredReport {
  /** Indexes and constraints built after the load (0 when none were deferred). */
  rebuilt: number;
  /** Seconds the rebuild took. */
  seconds: number;
}

interface DeferredRow {
  name: string;
  table_name: string;
  kind: 'index' | 'unique' | 'foreign_key' | 'storage';
  statement: string;
}

/**
 * Drops the copied tables' secondary indexes, unique and foreign-key constraints (primary keys
 * stay: the resume point and the in-copy verification look rows up by key), saving each one's
 * definition in `aidos_copy_deferred` first. Runs inside the copy's start transaction, so either
 * both the drop and the saved definitions commit or neither does; a copy killed later leaves the
 * definitions for the rerun, which rebuilds them once every table is in. Building an index once
 * over the loaded rows is far cheaper than maintaining it row by row, and without the foreign key
 * each event row no longer looks up (and locks) its task.
 */
export async function deferIndexes(client: pg.ClientBase, tables: TableSpec[]): Promise<number> {
  await targetQuery(client, PG.createDeferred);
  const found = await targetQuery<DeferredRow>(client, PG.secondaryObjects, [tables.map((t) => t.name)]);
  for (const row of found) {
    await targetQuery(client, PG.saveDeferred, [row.name, row.table_name, row.kind, row.statement]);
  }
  // Foreign keys first: a unique constraint a foreign key depends on cannot go before it.
  const order = { foreign_key: 0, unique: 1, index: 2, storage: 3 } as const;
  for (const row of [...found].sort((a, b) => order[a.kind] - order[b.kind])) {
    await targetQuery(client, row.kind === 'index' ? PG.dropIndex(row.name) : PG.dropConstraint(row));
  }
  return found.length;
}

/**
 * Builds every deferred index and constraint again, in one transaction that also forgets their
 * definitions: a copy killed during the rebuild leaves them deferred, and the rerun builds them.
 */
export async function rebuildDeferred(client: pg.ClientBase): Promise<DeferredReport> {
  const started = performance.now();
  const present = (await targetQuery<{ present: boolean }>(client, PG.tableExists, [PG.deferredTable]))[0]
    ?.present;
  if (!present) return { rebuilt: 0, seconds: 0 };
  const rows = await inTransaction(
    client,
    async () => {
      const deferred = await targetQuery<DeferredRow>(client, PG.readDeferred);
      for (const row of deferred) {
        try {
          await targetQuery(client, row.statement);
        } catch (cause) {
          throw new AidosError(
            'store',
            `rebuilding ${row.kind.replace('_', ' ')} ${row.name} on ${row.table_name} after the copy: ${(cause as Error).message}`,
            { cause, field: row.table_name },
          );
        }
      }
      await targetQuery(client, PG.clearDeferred);
      return deferred.length;
    },
    PG.beginRebuild,
  );
  return { rebuilt: rows, seconds: Math.round(performance.now() - started) / 1000 };
}
