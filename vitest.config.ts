import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    // The real OpenClaw is slow and needs a ~650 MB install: `npm run test:openclaw`.
    exclude: [...configDefaults.exclude, 'test/openclaw/**'],
    globalSetup: ['test/setup/global-postgres.ts'],
    // Two cores: files that start daemons and PostgreSQL databases must not oversubscribe them.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    teardownTimeout: 30_000,
  },
});
