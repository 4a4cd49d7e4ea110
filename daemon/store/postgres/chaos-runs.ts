import type pg from 'pg';
import { AidosError } from '../../errors.js';
import type { ChaosRunRow } from '../facets.js';
import { toChaosRun } from '../rows.js';

// A transaction-scoped advisory lock serialises drill starts across the cluster, so two nodes
// cannot both see "nothing running" and start at once; the key is fixed and chaos-only.
const START_LOCK = 0x43_48_41_4f; // "CHAO"
const SQL = {
  running: "SELECT * FROM chaos_runs WHERE state = 'running' ORDER BY started_at LIMIT 1",
  insert: `INSERT INTO chaos_runs (id, scenario, state, node_id, started_at, report)
    VALUES ($1, $2, 'running', $3, to_timestamp($4 / 1000.0), $5)`,
  finish:
    'UPDATE chaos_runs SET state = $2, finished_at = to_timestamp($3 / 1000.0), report = $4 WHERE id = $1',
  get: 'SELECT * FROM chaos_runs WHERE id = $1',
  list: 'SELECT * FROM chaos_runs ORDER BY started_at DESC, id DESC LIMIT $1',
  failStale: `UPDATE chaos_runs SET state = 'error', finished_at = to_timestamp($2 / 1000.0)
    WHERE node_id = $1 AND state = 'running'`,
} as const;

function storeError(cause: unknown): AidosError {
  return new AidosError('store', `PostgreSQL: ${(cause as Error).message}`, { cause });
}

/** The chaos_runs half of the PostgreSQL store. */
export class PgChaosRuns {
  constructor(private readonly pool: pg.Pool) {}

  async start(
    run: Omit<ChaosRunRow, 'state' | 'finished_at'>,
  ): Promise<{ started: boolean; running?: ChaosRunRow }> {
    const client = await this.pool.connect().catch((cause) => {
      throw storeError(cause);
    });
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1)', [START_LOCK]);
      const running = (await client.query(SQL.running)).rows[0];
      if (running) {
        await client.query('ROLLBACK');
        return { started: false, running: toChaosRun(running) };
      }
      await client.query(SQL.insert, [run.id, run.scenario, run.node_id, run.started_at, run.report]);
      await client.query('COMMIT');
      return { started: true };
    } catch (cause) {
      await client.query('ROLLBACK').catch(() => {});
      throw storeError(cause);
    } finally {
      client.release();
    }
  }

  private async q(sql: string, params: unknown[]): Promise<pg.QueryResult> {
    return this.pool.query(sql, params).catch((cause) => {
      throw storeError(cause);
    });
  }

  async finish(
    id: string,
    state: string,
    finishedAt: number,
    report: Record<string, unknown>,
  ): Promise<void> {
    await this.q(SQL.finish, [id, state, finishedAt, report]);
  }

  async get(id: string): Promise<ChaosRunRow | undefined> {
    const row = (await this.q(SQL.get, [id])).rows[0];
    return row ? toChaosRun(row) : undefined;
  }

  async list(limit: number): Promise<ChaosRunRow[]> {
    return (await this.q(SQL.list, [limit])).rows.map(toChaosRun);
  }

  async failStale(nodeId: string, at: number): Promise<number> {
    return (await this.q(SQL.failStale, [nodeId, at])).rowCount ?? 0;
  }
}
