import { randomBytes } from 'node:crypto';
import type { ChaosStore } from '../../daemon/store/facets.js';
import type { ChaosRunSummary } from '../../shared/api/chaos.js';
import { type DrillEvent, runDrill } from '../drill/engine.js';
import type { DrillReport } from '../drill/report.js';
import type { DrillFaults } from '../drill/steps.js';
import type { DrillTarget } from '../drill/target.js';
import { ChaosError, message } from '../errors.js';
import type { Scenario } from '../scenario/schema.js';
import type { RunFiles } from './runs.js';

/** What a drill runner tells its listener: the drill's own progress, and its start and end. */
export type DrillProgress =
  | DrillEvent
  | { type: 'started'; run: ChaosRunSummary }
  | { type: 'ended'; run: ChaosRunSummary };

/** Runs drills one at a time on this node, in the background, storing each run. */
export class DrillRunner {
  /** Progress listener (the `chaos` topic); set once by the module. */
  onProgress: (event: DrillProgress) => void = () => {};

  private current: { summary: ChaosRunSummary; abort: AbortController; done: Promise<void> } | undefined;

  constructor(
    private readonly runs: RunFiles,
    private readonly store: ChaosStore,
    private readonly nodeId: string,
    private readonly target: () => DrillTarget,
    private readonly faults: DrillFaults,
    private readonly onEnd: (summary: ChaosRunSummary, error?: string) => void,
  ) {}

  /** The running drill's summary, if any. */
  get running(): ChaosRunSummary | null {
    return this.current?.summary ?? null;
  }

  /** Starts a drill; refuses while another runs here or anywhere in the cluster (the store holds the lease). */
  async start(scenario: Scenario, dryRun: boolean): Promise<ChaosRunSummary> {
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
    const lease = await this.store
      .startChaosRun({
        id: summary.run_id,
        scenario: summary.scenario,
        node_id: this.nodeId,
        started_at: summary.started_at,
        report: { ...summary },
      })
      .catch((cause) => {
        throw new ChaosError(
          'refused',
          `the store holds the one-drill lease and cannot be reached: ${message(cause)}`,
          { cause },
        );
      });
    if (!lease.started)
      throw new ChaosError(
        'refused',
        `a drill is already running (${lease.running?.id} on ${lease.running?.node_id}); one at a time across the cluster`,
      );
    this.runs.save({ summary, report: null });
    const abort = new AbortController();
    const done = runDrill(scenario, this.target(), this.faults, {
      runId: summary.run_id,
      dryRun,
      signal: abort.signal,
      onEvent: (event) => this.onProgress(event),
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
          return this.record(final, report as unknown as Record<string, unknown>).then(() =>
            this.ended(final),
          );
        },
        (error: unknown) => {
          const final = { ...summary, verdict: 'error', finished_at: Date.now() };
          this.runs.save({ summary: final, report: null });
          return this.record(final, { ...final, error: message(error) }).then(() =>
            this.ended(final, message(error)),
          );
        },
      )
      .finally(() => this.clear(summary.run_id));
    this.current = { summary, abort, done };
    this.onProgress({ type: 'started', run: summary });
    return summary;
  }

  private clear(runId: string): void {
    if (this.current?.summary.run_id === runId) this.current = undefined;
  }

  // The drill is over before anyone hears of it: a status read on `ended` shows no drill running.
  private ended(summary: ChaosRunSummary, error?: string): void {
    this.clear(summary.run_id);
    this.onEnd(summary, error);
    this.onProgress({ type: 'ended', run: summary });
  }

  // The drill may end right after a store outage it caused: keep trying for a while (the file copy is already written).
  private async record(summary: ChaosRunSummary, report: Record<string, unknown>): Promise<void> {
    for (let attempt = 0; attempt < 30; attempt++) {
      try {
        await this.store.finishChaosRun(
          summary.run_id,
          summary.verdict,
          summary.finished_at ?? Date.now(),
          report,
        );
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 1_000));
      }
    }
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
