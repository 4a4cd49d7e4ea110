import type { HealthStore } from '../store/facets.js';
import type { HealthRunner } from './runner.js';
import type { CheckResult } from './types.js';

/** Options of the history writer. */
export interface HistoryOptions {
  /** Node id written on every row. */
  nodeId: string;
  /** How long rows are kept. */
  retentionMs: number;
  /** A check whose status did not change is recorded at most this often. */
  sampleEveryMs: number;
  /** Rows waiting for the store beyond this are dropped, oldest first. */
  maxBuffered?: number;
  /** Whether the store can take writes now (StoreLink.ready). */
  storeReady: () => boolean;
  /** Clock, injectable for tests. */
  now?: () => number;
}

function numeric(value: unknown): number | null {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  return null;
}

/**
 * Turns results into health_results rows: every status change, plus one sample per check per
 * `sampleEveryMs`, so a 10-second schedule does not write a row every 10 seconds. Rows are buffered
 * and written in batches; while the store is down they wait (bounded).
 */
export class HealthHistory {
  private buffer: Parameters<HealthStore['insertHealthResults']>[0] = [];
  private readonly lastRecorded = new Map<string, { at: number; status: string }>();
  private readonly now: () => number;
  /** Rows dropped because the buffer was full. */
  dropped = 0;

  constructor(
    private readonly store: HealthStore,
    private readonly options: HistoryOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** Starts recording the runner's results. */
  attach(runner: HealthRunner): void {
    runner.events.on('health.result', ({ result }) => this.record(result));
  }

  /** Queues a row when the status changed or the last sample is old enough. */
  record(result: CheckResult): void {
    const last = this.lastRecorded.get(result.name);
    if (last && last.status === result.status && result.at - last.at < this.options.sampleEveryMs) return;
    this.lastRecorded.set(result.name, { at: result.at, status: result.status });
    this.buffer.push({
      node_id: this.options.nodeId,
      check_name: result.name,
      status: result.status,
      observed_value: numeric(result.observation.observedValue),
      observed_unit: result.observation.observedUnit ?? null,
      output: result.observation.output ?? null,
      duration_ms: Math.round(result.durationMs * 1000) / 1000,
      at: result.at,
    });
    const max = this.options.maxBuffered ?? 5_000;
    if (this.buffer.length > max) {
      this.dropped += this.buffer.length - max;
      this.buffer.splice(0, this.buffer.length - max);
    }
  }

  /** Writes buffered rows; on failure they stay for the next flush. */
  async flush(): Promise<number> {
    if (this.buffer.length === 0 || !this.options.storeReady()) return 0;
    const rows = this.buffer;
    this.buffer = [];
    try {
      await this.store.insertHealthResults(rows);
      return rows.length;
    } catch (error) {
      this.buffer = [...rows, ...this.buffer];
      throw error;
    }
  }

  /** Deletes rows older than the retention period (every node's: any node may prune the shared store). */
  async prune(): Promise<number> {
    if (!this.options.storeReady()) return 0;
    return this.store.pruneHealthResults(this.now() - this.options.retentionMs);
  }
}
