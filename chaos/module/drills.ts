import { randomBytes } from 'node:crypto';
import type { ChaosRunSummary } from '../../shared/api/chaos.js';
import { runDrill } from '../drill/engine.js';
import type { DrillReport } from '../drill/report.js';
import type { DrillFaults } from '../drill/steps.js';
import type { DrillTarget } from '../drill/target.js';
import { ChaosError, message } from '../errors.js';
import type { Scenario } from '../scenario/schema.js';
import type { RunFiles } from './runs.js';

/** Runs drills one at a time on this node, in the background, storing each run. */
export class DrillRunner {
  private current: { summary: ChaosRunSummary; abort: AbortController; done: Promise<void> } | undefined;

  constructor(
    private readonly runs: RunFiles,
    private readonly target: () => DrillTarget,
    private readonly faults: DrillFaults,
    private readonly onEnd: (summary: ChaosRunSummary, error?: string) => void,
  ) {}

  /** The running drill's summary, if any. */
  get running(): ChaosRunSummary | null {
    return this.current?.summary ?? null;
  }

  /** Starts a drill; refuses while another runs. */
  start(scenario: Scenario, dryRun: boolean): ChaosRunSummary {
    if (this.current)
      throw new ChaosError(
        'refused',
        `a drill is already running (${this.current.summary.run_id}); one at a time`,
      );
    const summary: ChaosRunSummary = {
      run_id: `cr_${Date.now().toString(36)}${randomBytes(3).toString('hex')}`,
      scenario: scenario.name,
      verdict: 'running',
      started_at: Date.now(),
      finished_at: null,
      resilience_score: null,
      dry_run: dryRun,
    };
    this.runs.save({ summary, report: null });
    const abort = new AbortController();
    const done = runDrill(scenario, this.target(), this.faults, {
      runId: summary.run_id,
      dryRun,
      signal: abort.signal,
    })
      .then(
        (report: DrillReport) => {
          const final = {
            ...summary,
            verdict: report.verdict,
            finished_at: report.finished_at,
            resilience_score: report.resilience_score,
          };
          this.runs.save({ summary: final, report });
          this.onEnd(final);
        },
        (error: unknown) => {
          const final = { ...summary, verdict: 'error', finished_at: Date.now() };
          this.runs.save({ summary: final, report: null });
          this.onEnd(final, message(error));
        },
      )
      .finally(() => {
        this.current = undefined;
      });
    this.current = { summary, abort, done };
    return summary;
  }

  /** Aborts the running drill; returns its id. */
  abort(): string | null {
    const id = this.current?.summary.run_id ?? null;
    this.current?.abort.abort();
    return id;
  }

  /** Aborts and waits for the drill to finish its report. */
  async stop(): Promise<void> {
    this.abort();
    await this.current?.done;
  }
}
