import type Database from 'better-sqlite3';
import type { ChaosRunRow } from '../facets.js';
import { toChaosRun } from '../rows.js';

const SQL = {
  running: "SELECT * FROM chaos_runs WHERE state = 'running' ORDER BY started_at LIMIT 1",
  insert: `INSERT INTO chaos_runs (id, scenario, state, node_id, started_at, report)
    VALUES (@id, @scenario, 'running', @node_id, @started_at, @report)`,
  finish: 'UPDATE chaos_runs SET state = ?, finished_at = ?, report = ? WHERE id = ?',
  get: 'SELECT * FROM chaos_runs WHERE id = ?',
  list: 'SELECT * FROM chaos_runs ORDER BY started_at DESC, id DESC LIMIT ?',
  failStale: "UPDATE chaos_runs SET state = 'error', finished_at = ? WHERE node_id = ? AND state = 'running'",
} as const;

/** The chaos_runs half of the SQLite store (one writer at a time, so the check and insert are one transaction). */
export class SqliteChaosRuns {
  constructor(private readonly db: Database.Database) {}

  start(run: Omit<ChaosRunRow, 'state' | 'finished_at'>): { started: boolean; running?: ChaosRunRow } {
    return this.db
      .transaction(() => {
        const running = this.db.prepare(SQL.running).get() as Record<string, unknown> | undefined;
        if (running) return { started: false, running: toChaosRun(running) };
        this.db.prepare(SQL.insert).run({ ...run, report: JSON.stringify(run.report) });
        return { started: true };
      })
      .immediate();
  }

  finish(id: string, state: string, finishedAt: number, report: Record<string, unknown>): void {
    this.db.prepare(SQL.finish).run(state, finishedAt, JSON.stringify(report), id);
  }

  get(id: string): ChaosRunRow | undefined {
    const row = this.db.prepare(SQL.get).get(id) as Record<string, unknown> | undefined;
    return row ? toChaosRun(row) : undefined;
  }

  list(limit: number): ChaosRunRow[] {
    return (this.db.prepare(SQL.list).all(limit) as Record<string, unknown>[]).map(toChaosRun);
  }

  failStale(nodeId: string, at: number): number {
    return this.db.prepare(SQL.failStale).run(at, nodeId).changes;
  }
}
