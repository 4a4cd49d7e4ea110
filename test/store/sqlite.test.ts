import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { migrationRunner } from '../../daemon/store/open.js';
import { SqliteStore } from '../../daemon/store/sqlite/sqlite-store.js';
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
