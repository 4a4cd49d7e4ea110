import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { migrationRunner } from '../../daemon/store/open.js';
import { PostgresStore } from '../../daemon/store/postgres/pg-store.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Admin URL of the PostgreSQL server the tests share; each test file makes its own database. */
    pgAdminUrl: string;
  }
}

/** A database of its own for one test file, on the shared test server. */
export interface TestDatabase {
  /** Connection URL of the new database. */
  url: string;
  /** Drops the database (terminating any leftover sessions). */
  drop(): Promise<void>;
}

function withDatabase(adminUrl: string, database: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** A fresh database on the tests' server; `options` go after CREATE DATABASE's name (a locale, say). */
export async function createTestDatabase(prefix = 'aidos_test', options = ''): Promise<TestDatabase> {
  const adminUrl = inject('pgAdminUrl');
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name} ${options}`);
  } finally {
    await admin.end();
  }
  return {
    url: withDatabase(adminUrl, name),
    drop: async () => {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** A store on `url` with the tests' timeouts; `poolMax` 1 keeps every statement on one connection. */
export function testStore(url: string, poolMax: number, applicationName: string): PostgresStore {
  return new PostgresStore({
    url,
    poolMax,
    idleTimeoutMs: 10_000,
    statementTimeoutMs: 10_000,
    connectTimeoutMs: 5_000,
    applicationName,
  });
}

/** A `testStore` (two connections) brought to the latest migration; the caller closes it. */
export async function migratedTestStore(url: string, applicationName = 'test'): Promise<PostgresStore> {
  const store = testStore(url, 2, applicationName);
  await migrationRunner(store).up();
  return store;
}
