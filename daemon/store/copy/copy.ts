import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { AidosError } from '../../errors.js';
import { defaultMigrationsRoot, readMigrationFiles } from '../migrate/files.js';
import { assertConsistent, compareWithHistory, MigrationRunner } from '../migrate/runner.js';
import { PostgresMigrationDriver } from '../postgres/migration-driver.js';
import { copyTable, resetSequence } from './copy-table.js';
import { type DeferredReport, deferIndexes, rebuildDeferred } from './deferred.js';
import { assertNotHeld, resolveSourcePath, SqliteSource } from './source.js';
import { PG } from './sql.js';
import {
  columnsToLoadUncompressed,
  loadUncompressed,
  pauseAutovacuum,
  type UncompressedColumn,
} from './storage.js';
import { assertSameShape, type TableSpec, targetTables } from './tables.js';
import { assertTargetUrl, inTransaction, readTarget, redactUrl, targetPool, targetQuery } from './target.js';
import { BatchCheck, keysSortAsBytes, type TableCheck, verifyTable } from './verify.js';
import { workerTable } from './worker-batches.js';
import type { WriteMethod } from './writers.js';

/** What `aidos migrate copy` was asked to do. */
export interface CopyOptions {
  /** SQLite file, sqlite:PATH, or data dir. */
  from: string;
  /** postgres:// URL of the target database. */
  to: string;
  /** Rows per batch. */
  batch: number;
  /** Check and plan only; write nothing. */
  dryRun: boolean;
  /** Compare source and target only; write nothing. */
  verifyOnly: boolean;
  /** Replace a non-empty target's contents. */
  force: boolean;
  /** COPY or multi-row INSERT. */
  method: WriteMethod;
  /** Migrations folder (tests); defaults to the installed one. */
  migrationsRoot?: string;
  /** Progress callback, called often (the reporter throttles). */
  onProgress?: (p: CopyProgress) => void;
}

/** A progress tick. */
export interface CopyProgress {
  /** copy or verify. */
  phase: 'copy' | 'verify';
  /** Table being worked on. */
  table: string;
  /** Rows done in this phase of this table. */
  rows_done: number;
  /** Rows the source has in this table. */
  rows_total: number;
  /** Seconds since this phase of this table began. */
  seconds: number;
}

/** One table in the final summary. */
export interface TableSummary extends TableCheck {
  /** Rows this run copied (0 when resumed past it or verifying only). */
  copied_rows: number;
  /** Seconds spent on this table (copy and verification). */
  seconds: number;
  /** Of which copying. */
  copy_seconds: number;
  /** Of which verifying. */
  verify_seconds: number;
}

/** How the run went. */
export interface CopyReport {
  /** The SQLite file read. */
  source: string;
  /** The target, without password. */
  target: string;
  /** What the run did. */
  mode: 'fresh' | 'resumed' | 'replaced' | 'verify_only' | 'dry_run';
  /** Source migration version the target was brought to. */
  schema_version: number;
  /** Migrations this run applied to the target (or would, in a dry run). */
  migrations_applied: number[];
  /** Per-table summary (dry run: rows and zero checksums). */
  tables: TableSummary[];
  /** Secondary indexes and constraints built after the load (none in a dry run or --verify-only). */
  deferred: DeferredReport;
  /** Columns loaded without compression attempts (the sample showed their data does not compress), then switched back. */
  uncompressed_columns: UncompressedColumn[];
  /** Seconds the ANALYZE of the copied tables took, after the load (0 in a dry run or --verify-only). */
  analyze_seconds: number;
  /** Every table verified (false in a dry run). */
  verified: boolean;
}

function sourceVersion(source: SqliteSource, root: string): number {
  const rows = compareWithHistory(readMigrationFiles(join(root, 'sqlite')), source.applied());
  const unknown = rows.find((r) => r.state === 'missing_file');
  if (unknown) {
    throw new AidosError(
      'migration',
      `--from: the source is at migration ${unknown.version} (${unknown.name}), which this aidos does not know; copy with the aidos version that wrote it`,
      { field: '--from' },
    );
  }
  assertConsistent(rows);
  const version = Math.max(0, ...rows.filter((r) => r.state === 'applied').map((r) => r.version));
  if (!version)
    throw new AidosError('input', '--from: the source has no applied migrations', { field: '--from' });
  return version;
}

/** Copies a SQLite store into PostgreSQL and verifies it; see docs/migrations.md. */
export async function copyStore(options: CopyOptions): Promise<CopyReport> {
  assertTargetUrl(options.to);
  const path = resolveSourcePath(options.from);
  assertNotHeld(path);
  const root = options.migrationsRoot ?? defaultMigrationsRoot();
  const source = new SqliteSource(path);
  const pool = targetPool(options.to);
  try {
    const version = sourceVersion(source, root);
    const pgFiles = readMigrationFiles(join(root, 'postgres'));
    const client = await pool.connect().catch((cause: Error) => {
      throw new AidosError('store', `--to: cannot connect to ${redactUrl(options.to)}: ${cause.message}`, {
        cause,
        field: '--to',
      });
    });
    try {
      return await run(options, { path, source, client, version, pgFiles, pool });
    } finally {
      client.release();
    }
  } finally {
    source.close();
    await pool.end();
  }
}

async function run(
  options: CopyOptions,
  ctx: {
    path: string;
    source: SqliteSource;
    client: import('pg').PoolClient;
    version: number;
    pgFiles: ReturnType<typeof readMigrationFiles>;
    pool: import('pg').Pool;
  },
): Promise<CopyReport> {
  const { source, client, version } = ctx;
  let tables = await targetTables(client);
  const facts = await readTarget(client, tables);
  const targetVersion = Math.max(0, ...facts.applied.map((a) => a.version));
  if (targetVersion > version) {
    throw new AidosError(
      'migration',
      `--to: the target is at migration ${targetVersion}, newer than the source's ${version}; use an empty database`,
      { field: '--to' },
    );
  }
  const pending = ctx.pgFiles
    .filter((f) => f.version > targetVersion && f.version <= version)
    .map((f) => f.version);
  const sameSource = facts.state.length > 0 && facts.state.every((s) => s.source === ctx.path);
  let mode: CopyReport['mode'] = options.verifyOnly ? 'verify_only' : options.dryRun ? 'dry_run' : 'fresh';
  if (!options.verifyOnly) {
    if (facts.populated && !sameSource && !options.force) {
      throw new AidosError(
        'conflict',
        `--to: the target is not empty (table ${facts.populated} has rows) and holds no unfinished copy of ${ctx.path}; ` +
          'use an empty database, or --force to replace its contents',
        { field: '--to' },
      );
    }
    if (facts.populated && (options.force || !sameSource)) mode = options.dryRun ? 'dry_run' : 'replaced';
    else if (sameSource && !options.force && !options.dryRun) mode = 'resumed';
  }
  if (options.verifyOnly && targetVersion !== version) {
    throw new AidosError(
      'migration',
      `--to: the target is at migration ${targetVersion}, the source at ${version}`,
      {
        field: '--to',
      },
    );
  }
  if (options.dryRun) {
    return {
      source: ctx.path,
      target: redactUrl(options.to),
      mode,
      schema_version: version,
      migrations_applied: pending,
      tables: tables.map((t) => planned(t.name, source.count(t.name))),
      deferred: { rebuilt: 0, seconds: 0 },
      uncompressed_columns: [],
      analyze_seconds: 0,
      verified: false,
    };
  }
  const timers = new Map<string, number>();
  const copiedRows = new Map<string, number>();
  /** Tables this run copied from their first row, verified batch by batch as they went. */
  const checkedInCopy = new Map<string, { check: TableCheck; ms: number }>();
  let deferred: DeferredReport = { rebuilt: 0, seconds: 0 };
  let uncompressed: UncompressedColumn[] = [];
  let analyzeSeconds = 0;
  if (!options.verifyOnly) {
    await new MigrationRunner(
      new PostgresMigrationDriver(ctx.pool, redactUrl(options.to)),
      join(options.migrationsRoot ?? defaultMigrationsRoot(), 'postgres'),
    ).up(Date.now, version);
    tables = await targetTables(client);
    assertSameShape(source.db, tables);
    const restart = mode !== 'resumed';
    uncompressed = await columnsToLoadUncompressed(source, client, tables);
    await inTransaction(client, async () => {
      await targetQuery(client, PG.createState);
      if (restart) {
        if (facts.populated || options.force)
          await targetQuery(client, PG.truncate(tables.map((t) => t.name)));
        await targetQuery(client, PG.clearState);
      }
      for (const t of tables) await targetQuery(client, PG.startState, [t.name, ctx.path]);
      await deferIndexes(client, tables);
      await loadUncompressed(client, uncompressed);
      await pauseAutovacuum(client, tables);
    });
    const state = restart ? [] : facts.state;
    // Two tables at a time, each on its own connection (with the foreign keys deferred, a child
    // table no longer waits for its parent): tasks and task_events load side by side.
    const onWorker = workerTable(source, tables);
    await inLanes(tables, COPY_LANES, ctx.client, ctx.pool, async (table, laneClient) => {
      const started = performance.now();
      const total = source.count(table.name);
      const tableState = state.find((s) => s.table_name === table.name);
      let done = tableState?.rows_copied ?? 0;
      const fromStart = !tableState?.done && (tableState?.rows_copied ?? 0) === 0;
      const batchCheck = fromStart
        ? new BatchCheck(ctx.pool, table, await keysSortAsBytes(laneClient, table))
        : undefined;
      const copied = await copyTable(source, laneClient, table, tableState, {
        batch: options.batch,
        method: options.method,
        onWorker: table.name === onWorker,
        onCommitted: batchCheck ? (batch) => batchCheck.add(batch) : undefined,
        onRows: (n) => {
          done += n;
          options.onProgress?.({
            phase: 'copy',
            table: table.name,
            rows_done: done,
            rows_total: total,
            seconds: (performance.now() - started) / 1000,
          });
        },
      });
      const copiedAt = performance.now();
      const check = await batchCheck?.finish(total);
      if (check) checkedInCopy.set(table.name, { check, ms: performance.now() - copiedAt });
      await resetSequence(source, laneClient, table);
      copiedRows.set(table.name, copied);
      timers.set(table.name, copiedAt - started);
    });
    deferred = await rebuildDeferred(client);
    // Planner statistics now, for the daemon's first queries, rather than when autovacuum gets to it.
    const analyzing = performance.now();
    await targetQuery(client, PG.analyze(tables.map((t) => t.name)));
    analyzeSeconds = round3((performance.now() - analyzing) / 1000);
  } else {
    assertSameShape(source.db, tables);
  }
  const summaries: TableSummary[] = [];
  for (const table of tables) {
    const started = performance.now();
    const total = source.count(table.name);
    let done = 0;
    const inCopy = checkedInCopy.get(table.name);
    const check = inCopy?.check.verified
      ? inCopy.check
      : await verifyTable(source, client, table, (n) => {
          done += n;
          options.onProgress?.({
            phase: 'verify',
            table: table.name,
            rows_done: done,
            rows_total: total,
            seconds: (performance.now() - started) / 1000,
          });
        });
    const copyMs = timers.get(table.name) ?? 0;
    const verifyMs = performance.now() - started + (inCopy?.ms ?? 0);
    summaries.push({
      ...check,
      copied_rows: copiedRows.get(table.name) ?? 0,
      seconds: round3((copyMs + verifyMs) / 1000),
      copy_seconds: round3(copyMs / 1000),
      verify_seconds: round3(verifyMs / 1000),
    });
  }
  const verified = summaries.every((s) => s.verified);
  if (verified && !options.verifyOnly) {
    for (const table of tables) await targetQuery(client, PG.verifiedState, [table.name]);
  }
  return {
    source: ctx.path,
    target: redactUrl(options.to),
    mode,
    schema_version: version,
    migrations_applied: options.verifyOnly ? [] : pending,
    tables: summaries,
    deferred,
    uncompressed_columns: uncompressed,
    analyze_seconds: analyzeSeconds,
    verified,
  };
}

/** Tables copied at the same time, each on its own connection (each also verified on one). */
export const COPY_LANES = 2;

/**
 * Runs `fn` over the tables, `lanes` at a time: the first lane on `client`, the others on
 * connections of the pool. A failing table stops the lanes from starting new tables; the tables
 * already under way finish (each batch commits or rolls back whole), then the first error is thrown.
 */
async function inLanes(
  tables: TableSpec[],
  lanes: number,
  client: import('pg').PoolClient,
  pool: import('pg').Pool,
  fn: (table: TableSpec, client: import('pg').PoolClient) => Promise<void>,
): Promise<void> {
  const queue = [...tables];
  let failed = false;
  const lane = async (laneClient: import('pg').PoolClient) => {
    for (let table = queue.shift(); table && !failed; table = queue.shift()) {
      try {
        await fn(table, laneClient);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  const results = await Promise.allSettled(
    Array.from({ length: lanes }, async (_, i) => {
      if (i === 0) return lane(client);
      const own = await pool.connect();
      try {
        await lane(own);
      } finally {
        own.release();
      }
    }),
  );
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) throw failure.reason;
}

function planned(table: string, rows: number): TableSummary {
  return {
    table,
    source_rows: rows,
    target_rows: 0,
    source_checksum: '',
    target_checksum: '',
    first_difference: null,
    verified: false,
    copied_rows: 0,
    seconds: 0,
    copy_seconds: 0,
    verify_seconds: 0,
  };
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}
