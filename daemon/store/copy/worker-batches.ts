import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { AidosError, type AidosErrorKind } from '../../errors.js';
import { type EncodedBatch, encodedBatches } from './batches.js';
import type { SqliteValue } from './convert.js';
import type { SqliteSource } from './source.js';
import type { TableSpec } from './tables.js';
import type { WriteMethod } from './writers.js';

/** What the encode worker is asked to read. */
export interface EncodeJob {
  /** The SQLite file (opened read-only by the worker). */
  path: string;
  /** The table. */
  table: TableSpec;
  /** Key to start after (null: the first row). */
  after: SqliteValue;
  /** Batch limits and write method, as `encodedBatches` takes them. */
  options: { limit: number; maxBytes: number; method: WriteMethod };
}

/** What the encode worker posts. */
export type FromWorker =
  | { type: 'ready'; count: number }
  | { type: 'batch'; batch: EncodedBatch }
  | { type: 'end' }
  | { type: 'error'; message: string; kind: AidosErrorKind; field?: string };

// Next to this module once compiled; absent when the TypeScript sources run directly (the tests).
const WORKER = new URL('./encode-worker.js', import.meta.url);
const workerBuilt = existsSync(fileURLToPath(WORKER));

/** A table with fewer rows is read on this thread: starting a worker costs more than it saves. */
const WORKER_MIN_ROWS = 1000;

/**
 * Which table gets the worker: the one with the most rows. One worker only: with it, this
 * thread and PostgreSQL's backends already keep two cores busy, and each more worker's heap and
 * allocator arena would take the copy's peak RSS past 300 MB (docs/benchmarks.md).
 */
export function workerTable(source: SqliteSource, tables: TableSpec[]): string | undefined {
  const counted = tables.map((t) => ({ name: t.name, rows: source.count(t.name) }));
  const largest = counted.sort((a, b) => b.rows - a.rows)[0];
  return largest && largest.rows >= WORKER_MIN_ROWS ? largest.name : undefined;
}

/**
 * The worker's heap, small: it holds the batches read ahead (~4 MB each, mostly outside the
 * heap) and garbage; V8's default young generation alone would be 48 MB more of RSS.
 */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 64 };

/**
 * The table's batches, as `encodedBatches` yields them: read, encoded and hashed on a worker
 * thread when asked (`workerTable`) and the compiled worker is there (the JavaScript thread that
 * feeds PostgreSQL is the copy's bottleneck otherwise), on this thread when not. The worker
 * reads through its own connection; it reports the table's row count in its snapshot, and a
 * count other than this thread's means the file changed since the copy began, which is refused.
 */
export function tableBatches(
  source: SqliteSource,
  table: TableSpec,
  after: SqliteValue,
  options: EncodeJob['options'] & { onWorker: boolean },
): AsyncGenerator<EncodedBatch> {
  const { onWorker, ...encode } = options;
  if (!workerBuilt || !onWorker) return encodedBatches(source, table, after, encode);
  return fromWorker(source, { path: source.path, table, after, options: encode });
}

async function* fromWorker(source: SqliteSource, job: EncodeJob): AsyncGenerator<EncodedBatch> {
  const worker = new Worker(WORKER, { workerData: job, resourceLimits: WORKER_LIMITS });
  const inbox: FromWorker[] = [];
  let wake: (() => void) | undefined;
  const deliver = (message: FromWorker) => {
    inbox.push(message);
    wake?.();
  };
  worker.on('message', deliver);
  worker.on('error', (error) => deliver({ type: 'error', message: error.message, kind: 'internal' }));
  worker.on('exit', (code) =>
    deliver({ type: 'error', message: `the encode worker exited (code ${code})`, kind: 'internal' }),
  );
  const receive = async (): Promise<FromWorker> => {
    while (inbox.length === 0) await new Promise<void>((resolve) => (wake = resolve));
    return inbox.shift() as FromWorker;
  };
  try {
    for (;;) {
      const message = await receive();
      if (message.type === 'end') return;
      if (message.type === 'error') {
        throw new AidosError(message.kind, message.message, message.field ? { field: message.field } : {});
      }
      if (message.type === 'ready') {
        if (message.count !== source.count(job.table.name)) {
          throw new AidosError(
            'conflict',
            `--from: ${job.path} changed while the copy ran (${job.table.name} has ${message.count} rows now); stop whatever writes to it and run the copy again`,
            { field: '--from' },
          );
        }
        continue;
      }
      // The worker starts on the next batch as each one is taken (the read-ahead takes them early).
      worker.postMessage('next');
      const { batch } = message;
      batch.copyData = batch.copyData.map((piece) =>
        Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength),
      );
      yield batch;
    }
  } finally {
    worker.removeAllListeners('exit');
    await worker.terminate();
  }
}
