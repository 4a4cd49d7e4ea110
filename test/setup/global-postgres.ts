import type { TestProject } from 'vitest/node';
import '../helpers/postgres-db.js';
import { startThrowawayPostgres } from '../helpers/postgres-server.js';

/** Uses AIDOS_TEST_PG_URL when set, else starts a real throwaway PostgreSQL for the whole run. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env.AIDOS_TEST_PG_URL;
  if (external) {
    project.provide('pgAdminUrl', external);
    return async () => {};
  }
  const server = await startThrowawayPostgres();
  project.provide('pgAdminUrl', server.url);
  return () => server.destroy();
}
