import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';
import type Pg from 'pg';

// Both drivers are CommonJS: required on first use so a daemon loads only the one it needs
// (each weighs several MB of resident memory).
const require = createRequire(import.meta.url);

let pgModule: typeof Pg | undefined;

/** The pg module, configured once: bigint columns (fence, timeout_ms) come back as numbers. */
export function loadPg(): typeof Pg {
  if (!pgModule) {
    pgModule = require('pg') as typeof Pg;
    pgModule.types.setTypeParser(pgModule.types.builtins.INT8, (v: string) => Number(v));
  }
  return pgModule;
}

/** The better-sqlite3 constructor. */
export function loadSqlite(): typeof BetterSqlite3 {
  return require('better-sqlite3') as typeof BetterSqlite3;
}
