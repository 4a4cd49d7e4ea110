import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChaosRunSummary } from '../../shared/api/chaos.js';
import type { DrillReport } from '../drill/report.js';

/** A stored drill: its summary, and its report once it ended. */
export interface StoredRun {
  /** Summary for lists. */
  summary: ChaosRunSummary;
  /** The report (null while running). */
  report: DrillReport | null;
}

/**
 * Drill runs of this node, one JSON file each under `<data_dir>/chaos/runs/` (written atomically),
 * newest first in lists. A run found `running` at start belonged to a daemon that died: it is
 * marked `error` so it never shows as running forever.
 */
export class RunFiles {
  private readonly dir: string;

  constructor(dataDir: string) {
    this.dir = join(dataDir, 'chaos', 'runs');
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    for (const run of this.list(1_000))
      if (run.verdict === 'running')
        this.save({ summary: { ...run, verdict: 'error', finished_at: Date.now() }, report: null });
  }

  save(run: StoredRun): void {
    const path = join(this.dir, `${run.summary.run_id}.json`);
    writeFileSync(`${path}.tmp`, JSON.stringify(run), { mode: 0o600 });
    renameSync(`${path}.tmp`, path);
  }

  get(id: string): StoredRun | undefined {
    if (!/^cr_[a-z0-9]+$/.test(id)) return undefined;
    try {
      return JSON.parse(readFileSync(join(this.dir, `${id}.json`), 'utf8')) as StoredRun;
    } catch {
      return undefined;
    }
  }

  list(limit = 50): ChaosRunSummary[] {
    const ids = readdirSync(this.dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.slice(0, -5));
    return ids
      .map((id) => this.get(id)?.summary)
      .filter((s): s is ChaosRunSummary => s !== undefined)
      .sort((a, b) => b.started_at - a.started_at)
      .slice(0, limit);
  }
}
