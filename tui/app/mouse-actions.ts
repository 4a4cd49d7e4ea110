import { windowStart } from '../components/Table.js';
import { LIST_VIEWS } from '../keys/actions.js';
import type { MouseEvent } from '../keys/mouse.js';
import { current, listOf, type UiState } from './ui-state.js';

/** Where the current list's table is on screen, and what it holds. */
export interface TableLayout {
  /** Screen row of its header line (0-based). */
  top: number;
  /** Its height in lines, header included. */
  height: number;
  /** Cell widths of its columns (a space between two). */
  widths: number[];
  /** Rows it shows (after filter). */
  count: number;
  /** Selected row as drawn (it decides the window). */
  selected: number;
}

/** Rows one wheel notch moves. */
const WHEEL_STEP = 3;

/** The column under screen column `x`, or -1. */
function columnAt(widths: number[], x: number): number {
  let left = 0;
  for (const [i, w] of widths.entries()) {
    if (x < left + w + 1) return i;
    left += w + 1;
  }
  return -1;
}

/**
 * What a mouse report does in normal mode: a click on a row selects it, on a header sorts by that
 * column (again: natural order), the wheel moves the selection (in the task view: scrolls the log).
 */
export function applyMouse(ui: UiState, e: MouseEvent, table: TableLayout | null): Partial<UiState> | null {
  if (ui.mode.kind !== 'normal') return null;
  const view = current(ui).view;
  const isList = LIST_VIEWS.includes(view) && table;
  if (e.kind === 'wheel-up' || e.kind === 'wheel-down') {
    const by = e.kind === 'wheel-down' ? WHEEL_STEP : -WHEEL_STEP;
    if (!isList) return view === 'task' ? { logScroll: Math.max(0, ui.logScroll - by) } : null;
    // From the latest cursor, not the rendered one: notches arrive faster than frames.
    const at = Math.min(ui.cursor[view] ?? 0, Math.max(0, table.count - 1));
    const to = Math.max(0, Math.min(table.count - 1, at + by));
    return { cursor: { ...ui.cursor, [view]: to } };
  }
  if (e.kind !== 'press' || e.button !== 0 || !isList) return null;
  if (e.y === table.top) {
    const col = columnAt(table.widths, e.x);
    if (col < 0) return null;
    const opts = listOf(ui, view);
    const sort = opts.sort === col ? -1 : col;
    return {
      list: { ...ui.list, [view]: { ...opts, sort } },
      message: { text: sort < 0 ? 'natural order' : `sorted by column ${sort + 1}` },
    };
  }
  const line = e.y - table.top - 1;
  if (line < 0 || line >= table.height - 1) return null;
  const index = windowStart(table.selected, table.count, table.height - 1) + line;
  return index < table.count ? { cursor: { ...ui.cursor, [view]: index } } : null;
}
