import { join } from 'node:path';
import { AidosError } from '../errors.js';
import type { Store } from './facets.js';
import { defaultMigrationsRoot } from './migrate/files.js';
import { MigrationRunner } from './migrate/runner.js';
import { PostgresStore } from './postgres/pg-store.js';
import { SqliteStore } from './sqlite/sqlite-store.js';

/** Store settings from config (`store.*`). */
export interface StoreSettings {
  /** sqlite:PATH or postgres://… */
  url: string;
  /** SQLite busy timeout, ms (config durations are ms once parsed). */
  busy_timeout: number;
  /** PostgreSQL pool size. */
  pool_max: number;
  /** PostgreSQL idle connection timeout, ms. */
  idle_timeout: number;
  /** PostgreSQL statement timeout, ms. */
  statement_timeout: number;
  /** PostgreSQL connect timeout, ms. */
  connect_timeout: number;
  /** PostgreSQL read replica for read-only queries. */
  read_replica_url?: string | undefined;
  /** PostgreSQL server itself, for LISTEN when url goes through a pooler. */
  direct_url?: string | undefined;
}

/** Opens the store a URL names (without migrating). */
export function openStore(settings: StoreSettings, nodeId: string, onPoolError?: (e: Error) => void): Store {
  if (settings.url.startsWith('sqlite:')) {
    const path = settings.url.slice('sqlite:'.length);
    if (!path) throw new AidosError('config', 'store.url: sqlite: needs a file path', { field: 'store.url' });
    return new SqliteStore({ path, busyTimeoutMs: settings.busy_timeout });
  }
  if (/^postgres(ql)?:\/\//.test(settings.url)) {
    return new PostgresStore({
      url: settings.url,
      poolMax: settings.pool_max,
      idleTimeoutMs: settings.idle_timeout,
      statementTimeoutMs: settings.statement_timeout,
      connectTimeoutMs: settings.connect_timeout,
      applicationName: `aidosd:${nodeId}`,
      ...(onPoolError ? { onPoolError } : {}),
      ...(settings.read_replica_url ? { readReplicaUrl: settings.read_replica_url } : {}),
      ...(settings.direct_url ? { directUrl: settings.direct_url } : {}),
    });
  }
  throw new AidosError('config', 'store.url: must start with sqlite: or postgres://', { field: 'store.url' });
}

/** The migration runner for a store's dialect. */
export function migrationRunner(store: Store, root = defaultMigrationsRoot()): MigrationRunner {
  return new MigrationRunner(store.migrations, join(root, store.migrations.dialect));
}
