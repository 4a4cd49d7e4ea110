import { type Command, Option } from 'commander';
import { AidosError, EXIT_DATAERR } from '../errors.js';
import { copyStore } from '../store/copy/copy.js';
import type { WriteMethod } from '../store/copy/writers.js';
import { jsonReporter, terminalReporter } from './copy-reporter.js';
import { examples } from './help.js';

interface CopyFlags {
  from: string;
  to: string;
  batch: string;
  dryRun?: boolean;
  verifyOnly?: boolean;
  force?: boolean;
  json?: boolean;
  method: string;
}

function batchSize(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 100_000) {
    throw new AidosError('input', '--batch: must be a whole number of rows from 1 to 100000', {
      field: '--batch',
    });
  }
  return n;
}

/** `aidos migrate copy`: SQLite → PostgreSQL, verified; exit 0 only when verification passes. */
export function registerMigrateCopyCommand(migrate: Command): void {
  const copy = migrate
    .command('copy')
    .description('copy a SQLite store into PostgreSQL and verify both sides (exit 0 only when verified)')
    .requiredOption('--from <path>', 'SQLite file (or sqlite:PATH) or the data dir holding aidos.db')
    .requiredOption('--to <url>', 'postgres:// URL of the target database')
    .option('--batch <n>', 'rows per batch (each batch is one transaction)', '5000')
    .option('--dry-run', 'check source and target and show the plan; write nothing')
    .option('--verify-only', 'compare source and target (counts, checksums); write nothing')
    .option('--force', "replace a non-empty target's contents")
    .option('--json', 'JSON lines even on a terminal')
    .addOption(
      new Option('--method <method>', 'how batches are written (benchmarks)')
        .choices(['copy', 'insert'])
        .default('copy')
        .hideHelp(),
    )
    .action(async (flags: CopyFlags) => {
      if (flags.dryRun && flags.verifyOnly) {
        throw new AidosError('input', '--dry-run and --verify-only: choose one', { field: '--dry-run' });
      }
      const reporter = flags.json || !process.stdout.isTTY ? jsonReporter() : terminalReporter();
      const report = await copyStore({
        from: flags.from,
        to: flags.to,
        batch: batchSize(flags.batch),
        dryRun: Boolean(flags.dryRun),
        verifyOnly: Boolean(flags.verifyOnly),
        force: Boolean(flags.force),
        method: flags.method as WriteMethod,
        onProgress: (p) => reporter.progress(p),
      });
      reporter.summary(report);
      if (report.mode === 'dry_run' || report.verified) return;
      const bad = report.tables.find((t) => !t.verified);
      const where = bad?.first_difference
        ? `first differing key ${bad.first_difference.key} (${bad.first_difference.problem})`
        : `source ${bad?.source_rows} rows, target ${bad?.target_rows} rows`;
      process.stderr.write(`aidos: verification failed: table ${bad?.table}, ${where}\n`);
      process.exitCode = EXIT_DATAERR;
    });
  examples(copy, [
    'aidos migrate copy --from /var/lib/aidos --to postgres://aidos@db/aidos --dry-run',
    'aidos migrate copy --from /var/lib/aidos --to postgres://aidos@db/aidos',
    'aidos migrate copy --from /var/lib/aidos/aidos.db --to postgres://aidos@db/aidos --verify-only --json',
  ]);
}
