import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrationRunner } from '../../daemon/store/open.js';
import { createTestDatabase, type TestDatabase, testStore } from '../helpers/postgres-db.js';
import { newTask } from './contract/fixtures.js';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});

afterAll(async () => {
  await db?.drop();
});

describe('named statements on a direct connection', () => {
  it('a column added under a prepared SELECT * / RETURNING * (a newer node migrating) does not break reads or claims', async () => {
    // One connection, so the statements prepared before the change are the ones used after it.
    const store = testStore(db.url, 1, 'aidos-prepared-test');
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    try {
      await migrationRunner(store).up();
      const first = (await store.submitTask(newTask())).task;
      expect((await store.getTask(first.id))?.id).toBe(first.id);
      expect((await store.claimTasks('n1', 1, 30_000)).map((t) => t.id)).toEqual([first.id]);

      await admin.query('ALTER TABLE tasks ADD COLUMN added_by_a_newer_node text');
      const second = (await store.submitTask(newTask())).task;
      expect((await store.getTask(first.id))?.state).toBe('running');
      expect((await store.claimTasks('n1', 1, 30_000)).map((t) => t.id)).toEqual([second.id]);
      const done = await store.completeRuns([
        { id: second.id, fence: 1, next: 'succeeded', event: 'succeeded', node_id: 'n1', detail: {} },
      ]);
      expect(done[0]?.state).toBe('succeeded');
      expect((await store.listTaskEvents(second.id)).map((e) => e.kind)).toEqual([
        'submitted',
        'claimed',
        'succeeded',
      ]);
    } finally {
      await admin.end();
      await store.close();
    }
  });
});
