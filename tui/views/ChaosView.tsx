import { Box, Text } from 'ink';
import { Table, type TableProps } from '../components/Table.js';
import type { ChaosData } from '../hooks/use-chaos.js';
import { faultsModel, RUN_COLUMNS, span } from './chaos-model.js';
import { allRows } from './table-model.js';

/** Props of ChaosView. */
export interface ChaosViewProps {
  /** What the chaos operations answered. */
  chaos: ChaosData;
  /** The view's one list (scenarios, then past drills) as a list view shows it; its height is the whole view's. */
  table: TableProps;
  /** How many of the table's rows are scenarios; the rest are past drills. */
  scenarios: number;
  /** Now (epoch ms), for time left. */
  now: number;
}

function stateLine(chaos: ChaosData, now: number): string {
  const s = chaos.status;
  if (!s) return chaos.error ? `chaos: ${chaos.error}` : 'chaos: reading…';
  const p = chaos.progress?.run_id === s.drill?.run_id ? chaos.progress : null;
  const tasks = p ? Object.entries(p.tasks).map(([state, n]) => `${n} ${state}`) : [];
  const progress = p
    ? [
        p.phase && `phase ${p.phase}`,
        `${p.samples} samples`,
        p.health && `health ${p.health}`,
        tasks.length && `tasks ${tasks.join(' ')}`,
        p.aborted && `abort: ${p.aborted}`,
      ].filter(Boolean)
    : [];
  const drill = s.drill
    ? `  drill ${s.drill.run_id} (${s.drill.scenario}) running for ${span(now - s.drill.started_at)}${progress.length ? ` · ${progress.join(' · ')}` : ''}`
    : '';
  return s.enabled
    ? `chaos enabled on ${s.node_id}${drill}`
    : `chaos is off on ${s.node_id} (chaos.enabled: false): lists and abort only`;
}

/** A section's height: its rows plus header, at most `max`, at least the header and one line. */
const sectionHeight = (rows: number, max: number) => Math.max(2, Math.min(rows + 1, max));

/** Lines above the scenarios table's header: the state line and the section title. */
export const SCENARIOS_TOP = 2;

/** Heights of the three tables (headers included) in a view of `height` lines. */
export function chaosSections(height: number, faults: number, runs: number) {
  // Three titles and the state line take four lines; scenarios keep at least three.
  const room = height - 4;
  const faultsH = sectionHeight(faults, Math.max(2, Math.floor(room / 4)));
  const runsH = sectionHeight(runs, Math.max(2, Math.floor(room / 3)));
  return { faultsH, runsH, scenariosH: Math.max(3, room - faultsH - runsH) };
}

/** The Chaos view: the scenario library, faults in force with time left, past drills with verdicts (scenarios and drills selectable). */
export function ChaosView(props: ChaosViewProps) {
  const { chaos, table, now, scenarios } = props;
  const { theme, width, selected } = table;
  const faults = faultsModel(chaos.status?.active_faults ?? [], now);
  const all = allRows(table.rows);
  const runRows = all.slice(scenarios);
  const runs = {
    columns: RUN_COLUMNS,
    rows: runRows,
    empty: chaos.runs.length ? 'no drill matches the filter' : 'no drill has run yet',
  };
  const { faultsH, runsH, scenariosH } = chaosSections(table.height, faults.rows.length, runRows.length);
  const title = (text: string) => (
    <Text bold wrap="truncate">
      {text}
    </Text>
  );
  return (
    <Box flexDirection="column" height={table.height} overflowY="hidden">
      <Text
        wrap="truncate"
        color={theme.color(chaos.status?.drill ? 'running' : chaos.error ? 'error' : 'dim')}
      >
        {stateLine(chaos, now)}
      </Text>
      {title('Scenarios')}
      <Table
        {...table}
        rows={all.slice(0, scenarios)}
        selected={selected < scenarios ? selected : -1}
        height={scenariosH}
      />
      {title(`Active faults [${faults.rows.length}]`)}
      <Table {...faults} selected={-1} height={faultsH} width={width} theme={theme} sort={-1} />
      {title(`Past drills [${runs.rows.length}]`)}
      <Table
        {...runs}
        selected={selected >= scenarios ? selected - scenarios : -1}
        height={runsH}
        width={width}
        theme={theme}
        sort={-1}
      />
    </Box>
  );
}
