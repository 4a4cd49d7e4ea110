import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrationRunner } from '../../daemon/store/open.js';
import { SqliteStore } from '../../daemon/store/sqlite/sqlite-store.js';
import { waitFor } from '../helpers/wait.js';
import { newTask } from './contract/fixtures.js';
import { storeContract } from './store-contract.js';

let dir: string;
let count = 0;
let path = '';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'aidos-sqlite-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

storeContract('sqlite', {
  fresh: async () => {
    path = join(dir, `store-${++count}.db`);
    const store = new SqliteStore({ path, busyTimeoutMs: 5_000 });
    await migrationRunner(store).up();
    return store;
  },
  another: async () => new SqliteStore({ path, busyTimeoutMs: 5_000 }),
});

describe('sqlite submits', () => {
  it('writes a burst larger than one group whole, and wakes workers only for tasks due now', async () => {
    const store = new SqliteStore({ path: join(dir, 'burst.db'), busyTimeoutMs: 5_000 });
    await migrationRunner(store).up();
    try {
      let wakes = 0;
      const off = store.onTaskQueued(() => {
        wakes++;
      });
      const later = Date.now() + 3_600_000;
      const tasks = Array.from({ length: 250 }, () => newTask({ run_after: later }));
      // The same id twice: the second fails on its own, the other 249 are written.
      const results = await Promise.allSettled(
        [...tasks, { ...tasks[100]! }].map((t) => store.submitTask(t)),
      );
      expect(results.filter((r) => r.status === 'fulfilled' && r.value.created)).toHaveLength(250);
      expect(results.at(-1)).toMatchObject({ status: 'rejected', reason: { kind: 'conflict' } });
      expect((await store.countTasksByState()).queued).toBe(250);
      expect(await store.listTaskEvents(tasks[249]!.id)).toHaveLength(1);
      await store.submitTask(newTask());
      // Notifications go out in order: had a deferred group woken anyone, it would be counted first.
      await waitFor(() => wakes > 0, 5_000, 'the wake-up for a task due now');
      expect(wakes).toBe(1);
      off();
    } finally {
      await store.close();
    }
  });
});
