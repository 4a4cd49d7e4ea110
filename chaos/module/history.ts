import type { ChaosRunRow, ChaosStore } from '../../daemon/store/facets.js';
import type { ChaosRunSummary } from '../../shared/api/chaos.js';
import type { DrillReport } from '../drill/report.js';
import type { RunFiles, StoredRun } from './runs.js';

function summaryOf(row: ChaosRunRow): ChaosRunSummary {
  const r = row.report as Partial<DrillReport>;
  return {
    run_id: row.id,
    scenario: row.scenario,
    verdict: row.state,
    started_at: row.started_at,
    finished_at: row.finished_at,
    resilience_score: typeof r.resilience_score === 'number' ? r.resilience_score : null,
    dry_run: r.dry_run === true,
  };
}

/** Past drills of the whole cluster from chaos_runs; this node's own files when the store cannot answer. */
export class RunHistory {
  constructor(
    private readonly store: ChaosStore,
    private readonly files: RunFiles,
  ) {}

  async list(limit = 50): Promise<ChaosRunSummary[]> {
    try {
      return (await this.store.listChaosRuns(limit)).map(summaryOf);
    } catch {
      return this.files.list(limit);
    }
  }

  async get(id: string): Promise<StoredRun | undefined> {
    try {
      const row = await this.store.getChaosRun(id);
      if (row)
        return {
          summary: summaryOf(row),
          report:
            row.state === 'running' || !('timeline' in row.report)
              ? null
              : (row.report as unknown as DrillReport),
        };
    } catch {
      // The store is down: this node's copy answers for its own runs.
    }
    return this.files.get(id);
  }
}
