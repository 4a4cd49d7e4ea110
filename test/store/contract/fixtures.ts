import type { Store } from '../../../daemon/store/facets.js';
import type { HealthResultRow, NewTask, Task } from '../../../daemon/store/types.js';
import { newId } from '../../../shared/ids.js';

/** What every part of the contract gets from the suite: the store under test and small helpers. */
export interface ContractContext {
  /** The implementation's name, as its store reports it in `dialect`. */
  readonly name: string;
  /** The store of the current test (a fresh database each test). */
  readonly store: Store;
  /** Submits a task built by newTask(overrides). */
  submit(overrides?: Partial<NewTask>): Promise<Task>;
  /** Claims one task for `nodeId` (default n1) on `s` (default the store); throws when none is due. */
  claimOne(nodeId?: string, leaseMs?: number, s?: Store): Promise<Task>;
  /** Completes node n1's run of `id` under `fence` with a final or retry state; false when refused. */
  finish(id: string, fence: number, next: 'succeeded' | 'failed', error?: string): Promise<boolean>;
  /** Opens another connection (another "node") to the current database. */
  another(): Promise<Store>;
}

let seq = 0;
/** Time-sortable ids: later calls sort after earlier ones, even within one millisecond. */
export function taskId(): string {
  seq++;
  return `t_${Date.now().toString(36).padStart(9, '0')}${String(seq).padStart(6, '0')}${newId('x').slice(-4)}`;
}

export function newTask(overrides: Partial<NewTask> = {}): NewTask {
  return {
    id: taskId(),
    profile: 'default',
    message: 'hello',
    priority: 0,
    max_attempts: 3,
    timeout_ms: 60_000,
    labels: {},
    ...overrides,
  };
}

export function healthRow(overrides: Partial<HealthResultRow> = {}): HealthResultRow {
  return {
    node_id: 'n1',
    check_name: 'store:latency',
    status: 'pass',
    observed_value: 1.5,
    observed_unit: 'ms',
    output: null,
    duration_ms: 2,
    at: Date.now(),
    ...overrides,
  };
}
