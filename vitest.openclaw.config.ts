import { defineConfig } from 'vitest/config';

/**
 * `npm run test:openclaw`: the real OpenClaw CLI (test/openclaw/). Needs the npm registry once to
 * fill the cache (test/helpers/openclaw-install.ts), ~1 GB of memory per OpenClaw turn, and a few
 * minutes; so it is kept out of `npm test`.
 */
export default defineConfig({
  test: {
    include: ['test/openclaw/**/*.test.ts'],
    // One OpenClaw at a time: each turn takes most of a core and ~1 GB.
    maxWorkers: 1,
    fileParallelism: false,
    testTimeout: 240_000,
    // A cold install (Node 24 + openclaw, ~650 MB) happens in beforeAll.
    hookTimeout: 20 * 60_000,
    teardownTimeout: 60_000,
  },
});
