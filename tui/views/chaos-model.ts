import type { ChaosActiveFault, ChaosRunSummary, ChaosScenarioSummary } from '../../shared/api/chaos.js';
import type { ChaosData } from '../hooks/use-chaos.js';
import { age } from './format.js';
import { allRows, type ListOptions, type Row, type TableModel, visibleRows } from './table-model.js';

/** A duration as "8s", "1m30s", "2h5m". */
export function span(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60 ? `${s % 60}s` : ''}`;
  return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60) ? `${Math.floor((s % 3600) / 60)}m` : ''}`;
}

function pairs(value: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(value).flatMap(([k, v]) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? pairs(v as Record<string, unknown>, `${prefix}${k}.`)
      : [`${prefix}${k}=${Array.isArray(v) ? v.join(',') : String(v)}`],
  );
}

/** Fields that say what a fault acts on; the rest of a spec is its magnitude. */
const TARGET_KEYS = ['target', 'peers', 'direction', 'proxy', 'table', 'path'];

/** What a fault acts on and how hard, from its spec (`agents=one`; `workers=2 share=0.5`). */
export function describeFault(
  kind: string,
  spec: Record<string, unknown>,
): { target: string; magnitude: string } {
  const target: Record<string, unknown> = {};
  const magnitude: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(spec)) {
    if (k === 'kind') continue;
    if (TARGET_KEYS.includes(k)) target[k === 'target' ? '' : k] = v;
    else magnitude[k] = v;
  }
  const t = pairs(target).map((p) => p.replace(/^=|^\./, ''));
  const fallback = kind.startsWith('pg-') ? 'database' : 'node';
  return { target: t.join(' ') || fallback, magnitude: pairs(magnitude).join(' ') || '-' };
}

/** Blast radius of a scenario: how many of the cluster's nodes it may fault, and which never. */
export function blastRadius(s: ChaosScenarioSummary, members: number): string {
  const nodes = s.scope?.nodes ?? 1;
  const of = members > 0 ? ` of ${members}` : '';
  const guarded = s.scope?.protected.length ? `, never ${s.scope.protected.join(',')}` : '';
  return `${typeof nodes === 'number' ? `${nodes}${of} node${nodes === 1 ? '' : 's'}` : `${nodes}${of} nodes`}${guarded}`;
}

/** The scenarios table (the rows the cursor, `/` and `s` act on). */
export function scenariosModel(chaos: ChaosData): TableModel {
  return {
    columns: [
      { title: 'SCENARIO', width: 22 },
      { title: 'FAULTS', width: 24 },
      { title: 'NEEDS', width: 24 },
      { title: 'DESCRIPTION', width: 0 },
    ],
    rows: chaos.scenarios.map((s) => ({
      id: s.name,
      cells: [s.name, s.faults.join(',') || '-', s.requires.join(',') || '-', s.description],
    })),
    empty:
      chaos.error !== null
        ? `chaos: ${chaos.error}`
        : chaos.enabled === null
          ? 'reading the scenario library…'
          : 'no scenarios in the library',
  };
}

/** Faults in force with the time left, counted down locally from their deadline. */
export function faultsModel(faults: readonly ChaosActiveFault[], now: number): TableModel {
  return {
    columns: [
      { title: 'FAULT', width: 16 },
      { title: 'KIND', width: 16 },
      { title: 'TARGET', width: 20 },
      { title: 'MAGNITUDE', width: 24 },
      { title: 'LEFT', width: 0 },
    ],
    rows: faults.map((f) => {
      const d = describeFault(f.kind, f.magnitude);
      const left = f.deadline_at - now;
      return {
        id: f.id,
        cells: [f.id, f.kind, f.target || d.target, d.magnitude, left > 0 ? span(left) : 'reverting'],
        tone: 'warn',
        toneCell: 4,
      };
    }),
    empty: 'no fault in force on this node',
  };
}

const VERDICT_TONE: Record<string, string> = {
  passed: 'pass',
  failed: 'fail',
  error: 'error',
  aborted: 'warn',
  not_steady: 'warn',
  running: 'running',
};

/** Columns of the past drills table. */
export const RUN_COLUMNS = [
  { title: 'RUN', width: 18 },
  { title: 'SCENARIO', width: 22 },
  { title: 'VERDICT', width: 10 },
  { title: 'SCORE', width: 5 },
  { title: 'STARTED', width: 0 },
];

/** Past drills, newest first, with their verdict and score. */
export function runsModel(runs: readonly ChaosRunSummary[], now: number): TableModel {
  return {
    columns: RUN_COLUMNS,
    rows: runs.map(
      (r): Row => ({
        id: r.run_id,
        cells: [
          r.run_id,
          r.scenario,
          r.dry_run && r.verdict !== 'running' ? 'dry_run' : r.verdict,
          r.resilience_score === null ? '-' : String(r.resilience_score),
          `${age(r.started_at, now)} ago${r.finished_at ? `, took ${span(r.finished_at - r.started_at)}` : ''}`,
        ],
        tone: VERDICT_TONE[r.verdict] ?? 'dim',
        toneCell: 2,
      }),
    ),
    empty: 'no drill has run yet',
  };
}

/** The Chaos view's one cursor list: the scenarios, then the past drills below them. */
export interface ChaosList {
  /** The whole list's model: the scenarios' columns, every scenario and drill (for the counter). */
  model: TableModel;
  /** Rows as shown: scenarios filtered and sorted, then drills filtered, newest first. */
  rows: Row[];
  /** How many of `rows` are scenarios (the rest are drills). */
  scenarios: number;
}

/** `/` filters both parts; `s` sorts the scenarios only, so drills stay newest first. */
export function chaosList(chaos: ChaosData, options: ListOptions, now: number): ChaosList {
  const scenarios = scenariosModel(chaos);
  const runs = runsModel(chaos.runs, now);
  const shownScenarios = allRows(visibleRows(scenarios, options));
  const shownRuns = allRows(visibleRows(runs, { filter: options.filter, sort: -1 }));
  return {
    model: { ...scenarios, rows: [...allRows(scenarios.rows), ...allRows(runs.rows)] },
    rows: [...shownScenarios, ...shownRuns],
    scenarios: shownScenarios.length,
  };
}
