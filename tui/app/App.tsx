import { Box, Text, useApp } from 'ink';
import { type ReactNode, useMemo, useState } from 'react';
import { Footer } from '../components/Footer.js';
import { Header } from '../components/Header.js';
import { Help } from '../components/Help.js';
import { columnWidths, Table, type TableProps } from '../components/Table.js';
import type { FleetConnection } from '../fleet/connection.js';
import type { FleetSnapshot } from '../fleet/fleet-state.js';
import { type ChaosData, useChaos } from '../hooks/use-chaos.js';
import { useChaosReport } from '../hooks/use-chaos-report.js';
import { useClock } from '../hooks/use-clock.js';
import { useFleet } from '../hooks/use-fleet.js';
import { useKeyHandler } from '../hooks/use-key-handler.js';
import { type TerminalSize, useTerminalSize } from '../hooks/use-terminal-size.js';
import type { ViewName } from '../keys/actions.js';
import type { Keymap } from '../keys/keymap.js';
import { agentsModel } from '../views/agents-model.js';
import { ChaosReportView } from '../views/ChaosReportView.js';
import { ChaosView, chaosSections, SCENARIOS_TOP } from '../views/ChaosView.js';
import { type ChaosList, chaosList } from '../views/chaos-model.js';
import { eventsModel } from '../views/events-model.js';
import { healthModel } from '../views/health-model.js';
import { markdownLines } from '../views/markdown-lines.js';
import { nodesModel } from '../views/nodes-model.js';
import { TaskDetailView } from '../views/TaskDetailView.js';
import { type RowList, type TableModel, visibleRows } from '../views/table-model.js';
import { tasksModel } from '../views/tasks-model.js';
import type { ContextSwitcher } from './context-switcher.js';
import type { TableLayout } from './mouse-actions.js';
import { pickLine } from './pool-actions.js';
import type { Theme } from './theme.js';
import { current, initialUi, listOf, type UiState } from './ui-state.js';

/** Smallest terminal the layout fits in. */
export const MIN_SIZE: TerminalSize = { columns: 60, rows: 12 };

/** Props of App. */
export interface AppProps {
  /** The link to the daemon. */
  connection: FleetConnection;
  /** Live key bindings (after remapping and --readonly). */
  keymap: Keymap;
  /** Colours. */
  theme: Theme;
  /** --readonly. */
  readonly: boolean;
  /** The config's contexts and `:ctx` (a switch resets the fleet state, which redraws). */
  contexts: ContextSwitcher;
  /** Fixed size (tests); otherwise the terminal's, live. */
  size?: TerminalSize;
  /** First view. */
  initialView?: ViewName;
}

function modelFor(view: ViewName, fleet: FleetSnapshot, now: number): TableModel | undefined {
  if (view === 'tasks') return tasksModel(fleet, now);
  if (view === 'nodes') return nodesModel(fleet);
  if (view === 'agents') return agentsModel(fleet, now);
  if (view === 'health') return healthModel(fleet);
  if (view === 'events') return eventsModel(fleet);
  return undefined;
}

/** Lines above the body: the two header lines and the breadcrumb. */
const BODY_TOP = 3;

/** Where the list's table is on screen, for the mouse. */
function mouseLayout(
  model: TableModel,
  count: number,
  selected: number,
  size: TerminalSize,
  chaos: ChaosData,
  list: ChaosList | null,
): TableLayout {
  const body = size.rows - 5;
  const widths = columnWidths(model.columns, size.columns);
  if (!list) return { top: BODY_TOP, height: body, widths, count, selected };
  // The mouse acts on the Chaos view's scenarios table (the drills below it: j/k).
  const faults = chaos.status?.active_faults.length ?? 0;
  return {
    top: BODY_TOP + SCENARIOS_TOP,
    height: chaosSections(body, faults, list.rows.length - list.scenarios).scenariosH,
    widths,
    count: list.scenarios,
    selected: selected < list.scenarios ? selected : -1,
  };
}

function footerLine(ui: UiState, width: number): { line: string; tone?: string } {
  const m = ui.mode;
  if (m.kind === 'pick') return { line: pickLine(m, width), tone: 'warn' };
  if (m.kind === 'command') return { line: `:${m.text}█${m.hint ? `   ${m.hint}` : ''}` };
  if (m.kind === 'filter')
    return { line: `/${m.text}█   (regex, ! in front inverts, enter applies, esc cancels)` };
  if (m.kind === 'confirm') return { line: m.question, tone: 'warn' };
  return { line: ui.message.text, ...(ui.message.tone ? { tone: ui.message.tone } : {}) };
}

/** The whole screen: header, breadcrumb, the current view, footer — never taller than the terminal. */
export function App(props: AppProps) {
  const { connection, keymap, theme } = props;
  const app = useApp();
  const size = useTerminalSize(props.size);
  const now = useClock();
  const [ui, setUi] = useState<UiState>(() => initialUi(props.initialView));
  const screen = current(ui);
  const fleet = useFleet(connection, screen.view);
  const options = listOf(ui, screen.view);
  const chaos = useChaos(connection, screen.view === 'chaos' || screen.view === 'report');
  const list = useMemo(
    () => (screen.view === 'chaos' ? chaosList(chaos, options, now) : null),
    [screen.view, chaos, options, now],
  );
  // Rows are rebuilt when the data changes (or a second passes, for ages), not on every keypress.
  const model = useMemo(
    () => list?.model ?? modelFor(screen.view, fleet, now),
    [list, screen.view, fleet, now],
  );
  const rows = useMemo<RowList>(
    () => list?.rows ?? (model ? visibleRows(model, options) : []),
    [list, model, options],
  );
  const bodyHeight = size.rows - 5;
  const selected = Math.min(ui.cursor[screen.view] ?? 0, Math.max(0, rows.length - 1));
  const runId = screen.view === 'report' ? screen.runId : undefined;
  const report = useChaosReport(connection, runId, chaos.runs.find((r) => r.run_id === runId)?.finished_at);
  const reportLines = useMemo(
    () => (report.markdown ? markdownLines(report.markdown, size.columns) : []),
    [report.markdown, size.columns],
  );
  useKeyHandler({
    table: model ? mouseLayout(model, rows.length, selected, size, chaos, list) : null,
    ui,
    setUi,
    keymap,
    rows,
    page: Math.max(1, bodyHeight - 1),
    connection,
    fleet,
    chaos,
    reportLines: reportLines.length,
    contexts: props.contexts.names,
    switchContext: props.contexts.switchTo,
    exit: () => app.exit(),
  });
  if (size.columns < MIN_SIZE.columns || size.rows < MIN_SIZE.rows)
    return (
      <Text wrap="truncate">
        terminal too small ({size.columns}×{size.rows}); aidos-tui needs {MIN_SIZE.columns}×{MIN_SIZE.rows}
      </Text>
    );
  const crumb = ui.stack
    .map((s) =>
      s.view === 'task'
        ? `${s.logsOnly ? 'logs' : 'task'} ${s.taskId}`
        : s.view === 'report'
          ? `report ${s.runId}`
          : s.view,
    )
    .join(' › ');
  const counter = model ? ` [${rows.length}${options.filter ? `/${model.rows.length}` : ''}]` : '';
  const filter = options.filter ? `  /${options.filter}` : '';
  const task = screen.taskId ? fleet.tasks.get(screen.taskId) : undefined;
  const empty =
    options.filter && model?.rows.length ? `nothing matches /${options.filter}` : (model?.empty ?? '');
  const table: TableProps | undefined = model && {
    columns: model.columns,
    rows,
    selected,
    height: bodyHeight,
    width: size.columns,
    theme,
    empty,
    sort: options.sort,
  };
  let body: ReactNode;
  if (ui.mode.kind === 'help')
    body = <Help actions={keymap.forView(screen.view)} height={bodyHeight} theme={theme} />;
  else if (screen.view === 'task' && screen.taskId)
    body = (
      <TaskDetailView
        connection={connection}
        id={screen.taskId}
        updatedAt={task?.updated_at}
        height={bodyHeight}
        logsOnly={screen.logsOnly ?? false}
        scroll={ui.logScroll}
        theme={theme}
      />
    );
  else if (screen.view === 'report' && runId)
    body = (
      <ChaosReportView
        runId={runId}
        report={report}
        lines={reportLines}
        top={ui.logScroll}
        height={bodyHeight}
        theme={theme}
      />
    );
  else if (list && table)
    body = <ChaosView chaos={chaos} table={table} scenarios={list.scenarios} now={now} />;
  else if (table) body = <Table {...table} />;
  const foot = footerLine(ui, size.columns);
  return (
    <Box flexDirection="column" width={size.columns} height={size.rows} overflowY="hidden">
      <Header fleet={fleet} context={props.contexts.current()} readonly={props.readonly} theme={theme} />
      <Text wrap="truncate" bold>
        {crumb}
        {counter}
        <Text color={theme.color('accent')}>{filter}</Text>
      </Text>
      <Box height={bodyHeight} flexDirection="column" overflowY="hidden">
        {body}
      </Box>
      <Footer
        line={foot.line}
        {...(foot.tone ? { tone: foot.tone } : {})}
        actions={keymap.forView(screen.view)}
        theme={theme}
      />
    </Box>
  );
}
