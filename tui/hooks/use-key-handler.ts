import { type Key, useInput } from 'ink';
import { type Dispatch, type SetStateAction, useRef } from 'react';
import { chaosRunMode, confirmAbort } from '../app/chaos-actions.js';
import { completeCommand, parseCommand } from '../app/commands.js';
import { applyMouse, type TableLayout } from '../app/mouse-actions.js';
import { confirmDrain, confirmMove, moveMode } from '../app/pool-actions.js';
import { current, listOf, type Mode, type Screen, type UiState } from '../app/ui-state.js';
import type { FleetConnection } from '../fleet/connection.js';
import type { FleetSnapshot } from '../fleet/fleet-state.js';
import { LIST_VIEWS, MAIN_VIEWS, type ViewName } from '../keys/actions.js';
import { keyName } from '../keys/key-name.js';
import type { Keymap } from '../keys/keymap.js';
import { isMouseInput } from '../keys/mouse.js';
import type { RowList } from '../views/table-model.js';
import type { ChaosData } from './use-chaos.js';
import { useMouse } from './use-mouse.js';

/** What the key handler acts on. */
export interface KeyContext {
  /** UI state as last rendered. */
  ui: UiState;
  /** Its setter. */
  setUi: Dispatch<SetStateAction<UiState>>;
  /** Live bindings. */
  keymap: Keymap;
  /** Rows of the current list view as shown (filtered, sorted). */
  rows: RowList;
  /** Lines of the body (one page). */
  page: number;
  /** The link to the daemon. */
  connection: FleetConnection;
  /** The fleet as last rendered (nodes to move to, a node's drain flag). */
  fleet: FleetSnapshot;
  /** Where the list's table is on screen (for mouse clicks), if the view has one. */
  table: TableLayout | null;
  /** The Chaos view's data (scenarios, past drills, the attached node). */
  chaos: ChaosData;
  /** Lines of the drill report shown (the report view scrolls within them). */
  reportLines: number;
  /** Context names for `:ctx` completion. */
  contexts: string[];
  /** Switches context; returns what to tell the user. */
  switchContext(name: string | null): string;
  /** Leaves the TUI. */
  exit(): void;
}

const go = (view: ViewName): Partial<UiState> => ({
  stack: [{ view }],
  logScroll: 0,
  mode: { kind: 'normal' },
});

function selectedTask(ctx: KeyContext, ui: UiState, screen: Screen): string | undefined {
  if (screen.view === 'task') return screen.taskId;
  // The latest cursor (a click or `j` may not be drawn yet), on the rows as drawn.
  const row = ctx.rows.at(ui.cursor[screen.view] ?? 0);
  if (!row) return undefined;
  if (screen.view === 'tasks') return row.id;
  return row.id.startsWith('t_') ? row.id : undefined;
}

type Set = (patch: Partial<UiState>) => void;

/** A mode to enter, or the reason there is none (shown as a warning). */
const modeOr = (next: Mode | string): Partial<UiState> =>
  typeof next === 'string' ? { message: { text: next, tone: 'warn' } } : { mode: next };

function textInput(ctx: KeyContext, ui: UiState, set: Set, input: string, name: string) {
  const mode = ui.mode;
  if (mode.kind !== 'command' && mode.kind !== 'filter') return;
  if (name === 'esc') return set({ mode: { kind: 'normal' } });
  if (name === 'backspace' || name === 'delete') {
    const text = mode.text.slice(0, -1);
    return set({ mode: mode.kind === 'command' ? { ...mode, text, hint: '' } : { ...mode, text } });
  }
  if (name === 'tab' && mode.kind === 'command') {
    const done = completeCommand(mode.text, ctx.contexts);
    return set({
      mode: { ...mode, text: done.line, hint: done.candidates.length > 1 ? done.candidates.join(' ') : '' },
    });
  }
  if (name === 'enter') {
    if (mode.kind === 'filter') {
      const view = current(ui).view;
      return set({
        mode: { kind: 'normal' },
        list: { ...ui.list, [view]: { ...listOf(ui, view), filter: mode.text } },
        cursor: { ...ui.cursor, [view]: 0 },
      });
    }
    return runCommand(ctx, set, mode.text);
  }
  if (input && [...input].every((ch) => ch >= ' '))
    set({
      mode:
        mode.kind === 'command'
          ? { ...mode, text: mode.text + input, hint: '' }
          : { ...mode, text: mode.text + input },
    });
}

function runCommand(ctx: KeyContext, setUi: Set, line: string) {
  const cmd = parseCommand(line);
  const set: Set = (patch) => setUi({ mode: { kind: 'normal' }, ...patch });
  if (cmd.kind === 'view') return set(go(cmd.view));
  if (cmd.kind === 'help') return set({ mode: { kind: 'help' } });
  if (cmd.kind === 'quit') return ctx.exit();
  if (cmd.kind === 'error') return set({ message: { text: cmd.message, tone: 'error' } });
  if (cmd.kind === 'move' || cmd.kind === 'drain') {
    // Dangerous: gone under --readonly, exactly like their keys.
    const id = cmd.kind === 'move' ? 'task.move' : 'node.drain';
    if (!allowed(ctx, id))
      return set({
        message: {
          text: `:${cmd.kind === 'move' ? 'move' : cmd.verb} is not available (--readonly)`,
          tone: 'error',
        },
      });
    return setUi({
      mode:
        cmd.kind === 'move'
          ? confirmMove(ctx.connection, cmd.task, cmd.node)
          : confirmDrain(ctx.connection, cmd.node, cmd.verb === 'drain'),
    });
  }
  try {
    set({ message: { text: ctx.switchContext(cmd.name) } });
  } catch (error) {
    set({ message: { text: (error as Error).message, tone: 'error' } });
  }
}

/** Whether the keymap (after --readonly) has the action anywhere. */
function allowed(ctx: KeyContext, id: string): boolean {
  return MAIN_VIEWS.concat('task').some((v) => ctx.keymap.forView(v).some((a) => a.id === id));
}

function pickStep(ui: UiState, set: Set, name: string) {
  const mode = ui.mode;
  if (mode.kind !== 'pick') return;
  if (name === 'esc' || name === 'q') return set({ mode: { kind: 'normal' }, message: { text: 'not done' } });
  if (name === 'enter') return set({ mode: mode.choose(mode.options[mode.index]!) });
  const by =
    name === 'right' || name === 'j' || name === 'down'
      ? 1
      : name === 'left' || name === 'k' || name === 'up'
        ? -1
        : 0;
  if (by) set({ mode: { ...mode, index: Math.max(0, Math.min(mode.options.length - 1, mode.index + by)) } });
}

const NO_KEY = {} as Key;
/** Control characters inside a chunk, as the keys Ink would have reported alone. */
const CHUNK_KEYS: Record<string, Key> = {
  '\r': { return: true } as Key,
  '\t': { tab: true } as Key,
  '\x7f': { backspace: true } as Key,
  '\b': { backspace: true } as Key,
  '\x1b': { escape: true } as Key,
};

/** Turns key presses (through the keymap only) and mouse reports into UI changes and actions. */
export function useKeyHandler(ctx: KeyContext): void {
  // Keys typed fast arrive as one chunk ("3/fail\r"): each is applied to the state the previous
  // one left, so the latest state is kept here rather than read from the last render.
  const latest = useRef(ctx.ui);
  latest.current = ctx.ui;
  // The rows and fleet of the last render, not of the render that subscribed the handler (Ink
  // re-subscribes in an effect, which may run after a key already arrived).
  const rendered = useRef(ctx);
  rendered.current = ctx;
  const set: Set = (patch) => {
    latest.current = { ...latest.current, ...patch };
    ctx.setUi(latest.current);
  };
  useMouse((event) => {
    const patch = applyMouse(latest.current, event, rendered.current.table);
    if (patch) set(patch);
  });
  useInput((input, key) => {
    // Mouse reports go to useMouse; their bytes ("[<0;12;7M") must never act as keys.
    if (isMouseInput(input)) return;
    const name = keyName(input, key);
    const now = rendered.current;
    if (name || input.length <= 1) return step(now, latest.current, set, input, name);
    for (const ch of input) step(now, latest.current, set, ch, keyName(ch, CHUNK_KEYS[ch] ?? NO_KEY));
  });
}

/** `enter` in the Chaos view: the selected past drill's report (scenarios have none). */
function openReport(ctx: KeyContext, ui: UiState, at: number): Partial<UiState> {
  const id = ctx.rows.at(at)?.id;
  if (!ctx.chaos.runs.some((r) => r.run_id === id))
    return {
      message: { text: 'enter opens the report of a past drill: move down to Past drills', tone: 'warn' },
    };
  return { stack: [...ui.stack, { view: 'report', runId: id! }], logScroll: 0, message: { text: '' } };
}

function step(ctx: KeyContext, ui: UiState, set: Set, input: string, name: string) {
  const mode = ui.mode;
  if (mode.kind === 'command' || mode.kind === 'filter') return textInput(ctx, ui, set, input, name);
  if (mode.kind === 'pick') return pickStep(ui, set, name);
  if (mode.kind === 'confirm') {
    if (input !== 'y' && input !== 'Y')
      return set({ mode: { kind: 'normal' }, message: { text: 'not done' } });
    set({ mode: { kind: 'normal' }, message: { text: 'working…' } });
    void mode.run().then(
      (text) => set({ message: { text } }),
      (error: Error) => set({ message: { text: error.message, tone: 'error' } }),
    );
    return;
  }
  const screen = current(ui);
  if (mode.kind === 'help' && (name === 'esc' || name === '?' || name === 'q'))
    return set({ mode: { kind: 'normal' } });
  const action = ctx.keymap.lookup(screen.view, name);
  if (!action) return;
  const view = screen.view;
  const count = ctx.rows.length;
  const move = (to: number) =>
    set({ cursor: { ...ui.cursor, [view]: Math.max(0, Math.min(count - 1, to)) } });
  const at = ui.cursor[view] ?? 0;
  // The task view counts lines back from the log's end, the report view lines down from its top.
  const lastTop = Math.max(0, ctx.reportLines - ctx.page);
  const scroll = (by: number) =>
    set({
      logScroll:
        view === 'report'
          ? Math.max(0, Math.min(lastTop, ui.logScroll - by))
          : Math.max(0, ui.logScroll + by),
    });
  const isList = LIST_VIEWS.includes(view);
  switch (action.id) {
    case 'quit':
      return ctx.exit();
    case 'help':
      return set({ mode: { kind: 'help' } });
    case 'command':
      return set({ mode: { kind: 'command', text: '', hint: '' } });
    case 'filter':
      return set({ mode: { kind: 'filter', text: '' } });
    case 'back':
      if (listOf(ui, view).filter)
        return set({ list: { ...ui.list, [view]: { ...listOf(ui, view), filter: '' } } });
      if (ui.stack.length > 1) return set({ stack: ui.stack.slice(0, -1), logScroll: 0 });
      return;
    case 'view.next': {
      const main = MAIN_VIEWS.includes(view) ? view : 'tasks';
      return set(go(MAIN_VIEWS[(MAIN_VIEWS.indexOf(main) + 1) % MAIN_VIEWS.length]!));
    }
    case 'cursor.down':
      return isList ? move(at + 1) : scroll(-1);
    case 'cursor.up':
      return isList ? move(at - 1) : scroll(1);
    case 'page.down':
      return isList ? move(at + ctx.page) : scroll(-ctx.page);
    case 'page.up':
      return isList ? move(at - ctx.page) : scroll(ctx.page);
    case 'cursor.top':
      return isList ? move(0) : scroll(Number.MAX_SAFE_INTEGER / 2);
    case 'cursor.bottom':
      return isList ? move(count - 1) : set({ logScroll: view === 'report' ? lastTop : 0 });
    case 'sort': {
      const opts = listOf(ui, view);
      const columns = ctx.rows.at(0)?.cells.length ?? 1;
      const sort = opts.sort + 1 >= columns ? -1 : opts.sort + 1;
      return set({
        list: { ...ui.list, [view]: { ...opts, sort } },
        message: { text: sort < 0 ? 'natural order' : `sorted by column ${sort + 1}` },
      });
    }
    case 'open':
    case 'logs': {
      if (view === 'chaos') return set(openReport(ctx, ui, at));
      const id = selectedTask(ctx, ui, screen);
      if (!id) return;
      if (view === 'task')
        return set({ stack: [...ui.stack.slice(0, -1), { ...screen, logsOnly: !screen.logsOnly }] });
      return set({
        stack: [...ui.stack, { view: 'task', taskId: id, logsOnly: action.id === 'logs' }],
        logScroll: 0,
      });
    }
    case 'task.cancel':
    case 'task.retry': {
      const id = selectedTask(ctx, ui, screen);
      if (!id) return;
      const verb = action.id === 'task.cancel' ? 'cancel' : 'retry';
      const run = async () => {
        const op = action.id === 'task.cancel' ? 'task.cancel' : 'task.retry';
        const r = await ctx.connection.call(op, { id });
        return `${verb}: ${id} is ${r.task.state}${action.id === 'task.cancel' && r.task.state === 'running' ? ' (cancel requested)' : ''}`;
      };
      return set({ mode: { kind: 'confirm', question: `${verb} task ${id}? (y/n)`, run } });
    }
    case 'task.move': {
      const id = selectedTask(ctx, ui, screen);
      if (!id) return;
      // The live members: the Tasks view is not redrawn for a change of the nodes alone.
      const live = ctx.connection.store.getSnapshot();
      const next = moveMode(ctx.connection, id, live.nodes, live.tasks.get(id)?.node_id ?? null);
      return set(modeOr(next));
    }
    case 'node.drain': {
      const row = ctx.rows.at(at);
      const node = row && ctx.fleet.nodes.find((n) => n.id === row.id);
      if (!node) return;
      return set({ mode: confirmDrain(ctx.connection, node.id, !node.draining) });
    }
    case 'chaos.run': {
      // On a past drill, `x` offers its scenario again.
      const id = ctx.rows.at(at)?.id;
      const scenario = ctx.chaos.runs.find((r) => r.run_id === id)?.scenario ?? id;
      return set(modeOr(chaosRunMode(ctx.connection, ctx.chaos, scenario, ctx.fleet.nodes.length)));
    }
    case 'chaos.abort':
      return set({ mode: confirmAbort(ctx.connection, ctx.chaos) });
    default:
      if (action.id.startsWith('view.')) return set(go(action.id.slice(5) as ViewName));
  }
}
