import { defineLifecycleSuite } from './lifecycle-suite.js';

defineLifecycleSuite('SQLite', async () => ({ args: [], cleanup: async () => {} }));
