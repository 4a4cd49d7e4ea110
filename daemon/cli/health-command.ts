import type { Command } from 'commander';
import type { HealthPathView } from '../../shared/api/operations.js';
import { AidosClient, type HealthFetch } from '../../shared/client/client.js';
import { formatDuration } from '../../shared/duration.js';
import type { HealthDocument } from '../../shared/health.js';
import { addClientFlags, type ClientFlagValues, clientOptions, durationArg } from './client-flags.js';
import { formatBytes } from './format.js';
import { examples } from './help.js';
import { printJson, table } from './output.js';

/** Nagios-style exit codes, so cron jobs and monitoring can act on `aidos health`. */
export const HEALTH_EXIT = { pass: 0, warn: 1, fail: 2, unreachable: 3 } as const;

/** Options of `aidos health`. */
export interface HealthFlags extends ClientFlagValues {
  /** Readiness instead of liveness. */
  ready?: boolean;
  /** Every check with details. */
  deep?: boolean;
  /** Every member of the cluster. */
  cluster?: boolean;
  /** Ask for a fresh run instead of cached results. */
  fresh?: boolean;
  /** Give up after this long, ms (--timeout takes a duration: 5s, 500ms). */
  timeout?: number;
}

function viewFor(flags: HealthFlags): HealthPathView {
  if (flags.cluster) return 'cluster';
  if (flags.deep) return 'deep';
  if (flags.ready) return 'ready';
  return 'live';
}

/** An observed value as a person reads it: 53ms, 0.08ms, 41 MiB, 99.9%, 2/h (raw in --json). */
export function humanValue(v: unknown, unit: string | undefined): string {
  if (v === undefined) return '-';
  if (typeof v === 'number' && Number.isFinite(v)) {
    // Sub-10 ms latencies matter to the hundredth; formatDuration would round them to whole ms.
    if (unit === 'ms') return v < 10 ? `${Math.round(v * 100) / 100}ms` : formatDuration(v);
    if (unit === 'bytes') return formatBytes(v) ?? String(v);
    if (unit === 'percent') return `${Math.round(v * 10) / 10}%`;
    if (unit === 'per_hour') return `${v}/h`;
    if (unit === 'count') return String(v);
  }
  return unit ? `${String(v)} ${unit}` : String(v);
}

/** The human view: one line per check entry, worst first. */
export function renderHealth(doc: HealthDocument): string {
  const order = { fail: 0, warn: 1, pass: 2 } as const;
  const rows = Object.entries(doc.checks ?? {})
    .flatMap(([name, entries]) => entries.map((e) => ({ name, ...e })))
    .sort((a, b) => order[a.status] - order[b.status] || a.name.localeCompare(b.name))
    .map((e) => [
      e.status.toUpperCase(),
      e.name,
      e.componentId ?? null,
      humanValue(e.observedValue, e.observedUnit),
      e.output ?? null,
    ]);
  const head = `${doc.serviceId ?? 'aidosd'}: ${doc.status.toUpperCase()}${doc.output ? ` (${doc.output})` : ''}`;
  if (rows.length === 0) return head;
  return `${head}\n\n${table(['STATUS', 'CHECK', 'COMPONENT', 'VALUE', 'OUTPUT'], rows)}`;
}

/** Fetches one health document; exit code 3 for anything that is not a health document. */
export async function fetchHealth(
  flags: HealthFlags,
  env: NodeJS.ProcessEnv = process.env,
): Promise<HealthFetch> {
  return new AidosClient(clientOptions(flags, env)).health(viewFor(flags), {
    ...(flags.fresh ? { fresh: true } : {}),
    timeoutMs: flags.timeout ?? 5_000,
  });
}

/** `aidos health [--ready|--deep|--cluster] [--json] [--url URL] [--token T]`. */
export function registerHealthCommand(program: Command): void {
  const cmd = program
    .command('health')
    .description('ask a daemon for its health; exit 0 pass, 1 warn, 2 fail, 3 unreachable')
    .option('--ready', 'readiness (store, disk, agents, cluster, not draining)')
    .option('--deep', 'every check, with details')
    .option('--cluster', 'every member of the cluster')
    .option('--fresh', 'run the checks now instead of serving cached results (rate-limited)')
    .option(
      '--timeout <duration>',
      'give up after this long (e.g. 5s, 500ms)',
      durationArg('--timeout'),
      5_000,
    );
  examples(addClientFlags(cmd), [
    'aidos health',
    'aidos health --ready --timeout 2s',
    'aidos health --deep --json | jq .checks',
  ]).action(async (flags: HealthFlags) => {
    const outcome = await fetchHealth(flags);
    if ('error' in outcome) {
      if (flags.json) printJson({ status: 'unknown', output: outcome.error });
      else process.stderr.write(`aidos health: ${outcome.error}\n`);
      process.exitCode = HEALTH_EXIT.unreachable;
      return;
    }
    if (flags.json) printJson(outcome.doc);
    else process.stdout.write(`${renderHealth(outcome.doc)}\n`);
    process.exitCode = HEALTH_EXIT[outcome.doc.status];
  });
}
