import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { migrationRunner } from '../../daemon/store/open.js';
import { PostgresStore } from '../../daemon/store/postgres/pg-store.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres-db.js';
import { storeContract } from './store-contract.js';

let db: TestDatabase;

function open(): PostgresStore {
  return new PostgresStore({
    url: db.url,
    poolMax: 10,
    idleTimeoutMs: 10_000,
    statementTimeoutMs: 10_000,
    connectTimeoutMs: 5_000,
    applicationName: 'aidos-store-test',
  });
}

beforeAll(async () => {
  db = await createTestDatabase();
  const store = open();
  try {
    await migrationRunner(store).up();
  } finally {
    await store.close();
  }
});

afterAll(async () => {
  await db?.drop();
});

storeContract('postgres', {
  fresh: async () => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      await client.query(
        'TRUNCATE nodes, tasks, task_events, health_results, chaos_runs RESTART IDENTITY CASCADE',
      );
    } finally {
      await client.end();
    }
    return open();
  },
  another: async () => open(),
});
