import { Box, Text } from 'ink';
import type { Theme } from '../app/theme.js';
import { fitCell } from '../views/format.js';
import type { Column, Row, RowList } from '../views/table-model.js';
import { TableRow } from './TableRow.js';

/** Props of Table. */
export interface TableProps {
  /** Columns. */
  columns: Column[];
  /** All rows (only a window of them is drawn). */
  rows: RowList;
  /** Index of the selected row. */
  selected: number;
  /** Lines available, header included. */
  height: number;
  /** Cells available per line. */
  width: number;
  /** Colours. */
  theme: Theme;
  /** Shown when there are no rows. */
  empty: string;
  /** Sorted column, marked in the header. */
  sort: number;
}

/** Column widths for the space there is: fixed ones as given, the rest to the 0-width column. */
export function columnWidths(columns: Column[], width: number): number[] {
  const fixed = columns.reduce((n, c) => n + c.width + 1, 0);
  return columns.map((c) => (c.width === 0 ? Math.max(4, width - fixed) : c.width));
}

/** First row drawn so that the selected one is inside the window. */
export function windowStart(selected: number, count: number, visible: number): number {
  if (count <= visible) return 0;
  return Math.min(Math.max(0, selected - visible + 1), count - visible);
}

/** The rows from `start`, at most `count` of them (a lazy list builds only these). */
function windowOf(rows: RowList, start: number, count: number): Row[] {
  const out: Row[] = [];
  for (let i = start; i < Math.min(rows.length, start + count); i++) {
    const row = rows.at(i);
    if (row) out.push(row);
  }
  return out;
}

/** A windowed table: draws only the rows that fit, so 10,000 rows cost as much as 20. */
export function Table(props: TableProps) {
  const { columns, rows, selected, height, width, theme } = props;
  const w = columnWidths(columns, width);
  const visible = Math.max(0, height - 1);
  const start = windowStart(selected, rows.length, visible);
  const header = columns.map((c, i) => fitCell(`${c.title}${props.sort === i ? '↑' : ''}`, w[i]!)).join(' ');
  return (
    <Box flexDirection="column" height={height} overflowY="hidden">
      <Text bold color={theme.color('accent')} wrap="truncate">
        {header}
      </Text>
      {rows.length === 0 ? (
        <Text color={theme.color('dim')} wrap="truncate">
          {props.empty}
        </Text>
      ) : (
        windowOf(rows, start, visible).map((row, i) => (
          <TableRow key={row.id} row={row} widths={w} selected={start + i === selected} theme={theme} />
        ))
      )}
    </Box>
  );
}
