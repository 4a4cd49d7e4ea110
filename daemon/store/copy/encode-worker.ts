/**
 * Worker thread of `aidos migrate copy`: reads one table from its own read-only connection to the
 * SQLite file and encodes its batches (COPY text and row hashes, `encodedBatches`), one batch
 * ahead of what the main thread asked for, so the main thread only feeds PostgreSQL.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { AidosError } from '../../errors.js';
import { encodedBatches } from './batches.js';
import { SqliteSource } from './source.js';
import type { EncodeJob, FromWorker } from './worker-batches.js';

const port = parentPort;
if (!port) throw new Error('encode-worker runs as a worker thread');
const job = workerData as EncodeJob;
const post = (message: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

let source: SqliteSource | undefined;
let wanted = 1;
let pumping = false;

async function pump(batches: AsyncGenerator<import('./batches.js').EncodedBatch>): Promise<void> {
  if (pumping) return;
  pumping = true;
  try {
    while (wanted > 0) {
      wanted--;
      const next = await batches.next();
      if (next.done) {
        post({ type: 'end' });
        source?.close();
        return;
      }
      const batch = next.value;
      const buffers = [...new Set(batch.copyData.map((b) => b.buffer as ArrayBuffer))];
      post({ type: 'batch', batch }, buffers);
    }
  } catch (error) {
    const e = error as Error;
    post({
      type: 'error',
      message: e.message,
      kind: error instanceof AidosError ? error.kind : 'internal',
      ...(error instanceof AidosError && error.field ? { field: error.field } : {}),
    });
  } finally {
    pumping = false;
  }
}

try {
  source = new SqliteSource(job.path);
  const batches = encodedBatches(source, job.table, job.after, job.options);
  post({ type: 'ready', count: source.count(job.table.name) });
  port.on('message', () => {
    wanted++;
    void pump(batches);
  });
  void pump(batches);
} catch (error) {
  const e = error as Error;
  post({ type: 'error', message: e.message, kind: error instanceof AidosError ? error.kind : 'internal' });
}
