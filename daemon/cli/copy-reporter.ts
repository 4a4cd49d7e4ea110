import type { CopyProgress, CopyReport } from '../store/copy/copy.js';
import { table } from './output.js';

/** Shows a copy's progress: one rewritten line on a terminal, JSON lines (at most one a second per table) otherwise. */
export interface CopyReporter {
  /** A progress tick from the copy. */
  progress(p: CopyProgress): void;
  /** The final summary. */
  summary(report: CopyReport): void;
}

function rate(p: CopyProgress): { rows_per_s: number; eta_s: number | null } {
  const rowsPerS = p.seconds > 0 ? p.rows_done / p.seconds : 0;
  const left = Math.max(0, p.rows_total - p.rows_done);
  return { rows_per_s: Math.round(rowsPerS), eta_s: rowsPerS > 0 ? Math.round(left / rowsPerS) : null };
}

function clock(seconds: number | null): string {
  if (seconds === null) return '?';
  const m = Math.floor(seconds / 60);
  return m ? `${m}m${String(seconds % 60).padStart(2, '0')}s` : `${seconds}s`;
}

export function jsonReporter(out: NodeJS.WritableStream = process.stdout): CopyReporter {
  const last = new Map<string, number>();
  return {
    progress(p) {
      const id = `${p.phase}:${p.table}`;
      const now = Date.now();
      if (p.rows_done < p.rows_total && now - (last.get(id) ?? 0) < 1000) return;
      last.set(id, now);
      out.write(
        `${JSON.stringify({ type: 'progress', ...p, seconds: Math.round(p.seconds * 1000) / 1000, ...rate(p) })}\n`,
      );
    },
    summary(report) {
      out.write(`${JSON.stringify({ type: 'summary', ...report, peak_rss_mb: peakRssMb() })}\n`);
    },
  };
}

/** Peak resident memory of this process so far. */
export function peakRssMb(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

export function terminalReporter(out: NodeJS.WriteStream = process.stdout): CopyReporter {
  let lastDraw = 0;
  return {
    progress(p) {
      const now = Date.now();
      if (p.rows_done < p.rows_total && now - lastDraw < 200) return;
      lastDraw = now;
      const r = rate(p);
      out.write(
        `\r\u001b[2K${p.phase} ${p.table}: ${p.rows_done}/${p.rows_total} rows, ${r.rows_per_s} rows/s, ETA ${clock(r.eta_s)}`,
      );
    },
    summary(report) {
      out.write('\r\u001b[2K');
      out.write(
        `${table(
          ['TABLE', 'ROWS', 'TARGET', 'CHECKSUM', 'SECONDS', 'VERIFIED'],
          report.tables.map((t) => [
            t.table,
            t.source_rows,
            t.target_rows,
            t.source_checksum.slice(0, 16) || null,
            t.seconds,
            report.mode === 'dry_run' ? null : t.verified ? 'yes' : 'NO',
          ]),
        )}\n`,
      );
      const head = `${report.mode} copy of ${report.source} to ${report.target} (schema version ${report.schema_version})`;
      const tail =
        report.mode === 'dry_run'
          ? 'dry run: nothing written'
          : report.verified
            ? 'verified'
            : 'NOT verified';
      out.write(`${head}: ${tail}; peak RSS ${peakRssMb()} MB\n`);
    },
  };
}
