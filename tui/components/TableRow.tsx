import { Text } from 'ink';
import { memo } from 'react';
import type { Theme } from '../app/theme.js';
import { fitCell } from '../views/format.js';
import type { Row } from '../views/table-model.js';

/** Props of TableRow. */
export interface TableRowProps {
  /** The row (kept per task object and age, so unchanged rows keep their identity). */
  row: Row;
  /** Column widths. */
  widths: readonly number[];
  /** Drawn inverse. */
  selected: boolean;
  /** Colours. */
  theme: Theme;
}

function TableRowLine({ row, widths, selected, theme }: TableRowProps) {
  // One line is three Text nodes (before, the coloured cell, after), not one per cell: Ink lays
  // out and styles every node on every frame.
  const cells = row.cells.map((cell, c) => fitCell(cell, widths[c]!));
  const tc = row.tone !== undefined && row.toneCell !== undefined ? row.toneCell : -1;
  const line = (from: number, to: number) => cells.slice(from, to).join(' ');
  return (
    <Text inverse={selected} wrap="truncate">
      {tc < 0 ? (
        line(0, cells.length)
      ) : (
        <>
          {tc > 0 ? `${line(0, tc)} ` : ''}
          <Text color={theme.color(row.tone!)}>{cells[tc]}</Text>
          {tc < cells.length - 1 ? ` ${line(tc + 1, cells.length)}` : ''}
        </>
      )}
    </Text>
  );
}

const sameWidths = (a: readonly number[], b: readonly number[]) =>
  a === b || (a.length === b.length && a.every((w, i) => w === b[i]));

/**
 * One table line, drawn again only when its row, widths, selection or theme change: a change to
 * one task (or to nothing on screen) leaves the other lines' Ink nodes, and their layout, as they were.
 */
export const TableRow = memo(
  TableRowLine,
  (a, b) =>
    a.row === b.row && a.selected === b.selected && a.theme === b.theme && sameWidths(a.widths, b.widths),
);
