import { useEffect, useState } from 'react';
import type { FleetConnection } from '../fleet/connection.js';

/** One drill's report as chaos.report answers it. */
export interface ChaosReport {
  /** The Markdown report (null until it is read). */
  markdown: string | null;
  /** Its verdict (null until it is read). */
  verdict: string | null;
  /** Why it could not be read. */
  error: string | null;
}

const EMPTY: ChaosReport = { markdown: null, verdict: null, error: null };

/**
 * Reads a drill's report with chaos.report; read again when `finishedAt` moves (the `chaos` topic
 * pushed the end of a drill that was still running when the report was opened), so nothing polls.
 */
export function useChaosReport(
  connection: FleetConnection,
  runId: string | undefined,
  finishedAt: number | null | undefined,
): ChaosReport {
  const [report, setReport] = useState<ChaosReport & { runId?: string }>(EMPTY);
  // biome-ignore lint/correctness/useExhaustiveDependencies: finishedAt is the trigger to re-read, not an input
  useEffect(() => {
    if (!runId) return;
    let live = true;
    connection.call('chaos.report', { id: runId }).then(
      (r) => live && setReport({ runId, markdown: r.markdown, verdict: r.report.verdict, error: null }),
      (e: Error) =>
        live && setReport((d) => ({ ...(d.runId === runId ? d : EMPTY), runId, error: e.message })),
    );
    return () => {
      live = false;
    };
  }, [connection, runId, finishedAt]);
  // Another run's report is never shown while this one is read.
  return report.runId === runId ? report : EMPTY;
}
