import { afterEach, beforeEach, describe } from 'vitest';
import type { Store } from '../../daemon/store/facets.js';
import type { NewTask, Task } from '../../daemon/store/types.js';
import { defineChaosRunContract } from './contract/chaos-runs.js';
import { defineClaimContract } from './contract/claims.js';
import { defineCompletionContract } from './contract/completion.js';
import { defineDiagnosticsContract } from './contract/diagnostics.js';
import { defineFailoverContract } from './contract/failover.js';
import { type ContractContext, newTask } from './contract/fixtures.js';
import { defineHousekeepingContract } from './contract/housekeeping.js';
import { defineNodeContract } from './contract/nodes.js';
import { definePlacementContract } from './contract/placement.js';
import { definePoolContract } from './contract/pool.js';
import { defineSubmissionContract } from './contract/submission.js';

/** How the contract gets stores: both implementations provide one. */
export interface StoreHarness {
  /** Opens a store on a fresh, migrated, empty database. */
  fresh(): Promise<Store>;
  /** Opens another connection (another "node") to the database of the latest fresh(). */
  another(): Promise<Store>;
}

/** Registers the one store test suite against an implementation; the parts live in ./contract/. */
export function storeContract(name: string, harness: StoreHarness): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store;
    const opened: Store[] = [];

    const ctx: ContractContext = {
      name,
      get store() {
        return store;
      },
      async submit(overrides: Partial<NewTask> = {}): Promise<Task> {
        return (await store.submitTask(newTask(overrides))).task;
      },
      async claimOne(nodeId = 'n1', leaseMs = 30_000, s: Store = store): Promise<Task> {
        const [task] = await s.claimTasks(nodeId, 1, leaseMs);
        if (!task) throw new Error('nothing claimed');
        return task;
      },
      finish(id, fence, next, error) {
        return store.completeRun({
          id,
          fence,
          node_id: 'n1',
          next,
          event: next,
          ...(error === undefined ? {} : { error }),
        });
      },
      async another(): Promise<Store> {
        const s = await harness.another();
        opened.push(s);
        return s;
      },
    };

    beforeEach(async () => {
      store = await harness.fresh();
      opened.push(store);
    });

    afterEach(async () => {
      while (opened.length) await opened.pop()?.close();
    });

    defineNodeContract(ctx);
    defineSubmissionContract(ctx);
    defineClaimContract(ctx);
    definePlacementContract(ctx);
    definePoolContract(ctx);
    defineCompletionContract(ctx);
    defineFailoverContract(ctx);
    defineHousekeepingContract(ctx);
    defineDiagnosticsContract(ctx);
    defineChaosRunContract(ctx);
  });
}
