import { Box, Text } from 'ink';
import type { Theme } from '../app/theme.js';
import { fitCell } from '../views/format.js';
import type { Column, Row } from '../views/table-model.js';

/** Props of Table. */
export interface TableProps {
  /** Columns. */
  columns: Column[];
  /** All rows (only a window of them is drawn). */
  rows: Row[];
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
function widths(columns: Column[], width: number): number[] {
  const fixed = columns.reduce((n, c) => n + c.width + 1, 0);
  return columns.map((c) => (c.width === 0 ? Math.max(4, width - fixed) : c.width));
}

/** First row drawn so that the selected one is inside the window. */
export function windowStart(selected: number, count: number, visible: number): number {
  if (count <= visible) return 0;
  return Math.min(Math.max(0, selected - visible + 1), count - visible);
}

/** A windowed table: draws only the rows that fit, so 10,000 rows cost as much as 20. */
export function Table(props: TableProps) {
  const { columns, rows, selected, height, width, theme } = props;
  const w = widths(columns, width);
  const visible = Math.max(0, height - 1);
  const start = windowStart(selected, rows.length, visible);
  const header = columns.map((c, i) => fitCell(`${c.title}${props.sort === i ? '↑' : ''}`, w[i]!)).join(' ');
  return (
    <Box flexDirection="column" height={height} overflow="hidden">
      <Text bold color={theme.color('accent')} wrap="truncate">
        {header}
      </Text>
      {rows.length === 0 ? (
        <Text color={theme.color('dim')} wrap="truncate">
          {props.empty}
        </Text>
      ) : (
        rows.slice(start, start + visible).map((row, i) => {
          const isSelected = start + i === selected;
          return (
            <Text key={row.id} inverse={isSelected} wrap="truncate">
              {row.cells.map((cell, c) => {
                const text = fitCell(cell, w[c]!) + (c < row.cells.length - 1 ? ' ' : '');
                const tone = row.toneCell === c && row.tone ? theme.color(row.tone) : undefined;
                return (
                  // biome-ignore lint/suspicious/noArrayIndexKey: cells are positional
                  <Text key={c} color={tone}>
                    {text}
                  </Text>
                );
              })}
            </Text>
          );
        })
      )}
    </Box>
  );
}
