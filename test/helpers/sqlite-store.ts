import type { Store } from '../../daemon/store/facets.js';
import { migrationRunner, openStore } from '../../daemon/store/open.js';

/** A migrated SQLite store on `path` with the default store settings. */
export async function openSqliteStore(path: string, nodeId = 'n1'): Promise<Store> {
  const store = openStore(
    {
      url: `sqlite:${path}`,
      busy_timeout: 5_000,
      pool_max: 4,
      idle_timeout: 10_000,
      statement_timeout: 10_000,
      connect_timeout: 5_000,
    },
    nodeId,
  );
  await migrationRunner(store).up();
  return store;
}
