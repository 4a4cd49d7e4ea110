import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';
import type Pg from 'pg';

// Both drivers are CommonJS: required on first use so a daemon loads only the one it needs
// (each weighs several MB of resident memory).
const require = createRequire(import.meta.url);

let pgModule: typeof Pg | undefined;

/**
 * The pg module, configured once: bigint columns (fence, timeout_ms) come back as numbers, and
 * json/jsonb as their text, which the row mappers parse exactly as they parse SQLite's — a driver
 * that parsed them itself would hand back a stored JSON string as a bare string, indistinguishable
 * from SQLite's still-encoded text.
 */
export function loadPg(): typeof Pg {
  if (!pgModule) {
    pgModule = require('pg') as typeof Pg;
    const { builtins } = pgModule.types;
    pgModule.types.setTypeParser(builtins.INT8, (v: string) => Number(v));
    for (const json of [builtins.JSON, builtins.JSONB]) pgModule.types.setTypeParser(json, (v: string) => v);
  }
  return pgModule;
}

/** The better-sqlite3 constructor. */
export function loadSqlite(): typeof BetterSqlite3 {
  return require('better-sqlite3') as typeof BetterSqlite3;
}
