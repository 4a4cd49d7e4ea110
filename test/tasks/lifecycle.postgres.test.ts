import { createTestDatabase } from '../helpers/postgres-db.js';
import { defineLifecycleSuite } from './lifecycle-suite.js';

defineLifecycleSuite('PostgreSQL', async () => {
  const db = await createTestDatabase();
  return { args: ['--db', db.url], cleanup: () => db.drop() };
});
