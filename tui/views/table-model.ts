/** One column of a table. */
export interface Column {
  /** Header text. */
  title: string;
  /** Width in cells; 0 takes what is left. */
  width: number;
}

/** One row of a table. */
export interface Row {
  /** Stable id (task id, node id, check name). */
  id: string;
  /** Cell texts, one per column. */
  cells: string[];
  /** Theme kind that colours the row's status cell (see theme.ts), if any. */
  tone?: string;
  /** Index of the cell the tone colours. */
  toneCell?: number;
}

/** What a list view shows: columns and rows, before filter and sort. */
export interface TableModel {
  /** Columns. */
  columns: Column[];
  /** Rows in their natural order. */
  rows: Row[];
  /** Shown when there are no rows. */
  empty: string;
}

/** How the user narrowed and ordered a list. */
export interface ListOptions {
  /** The `/` filter: a regex (case-insensitive), `!` in front inverts it. */
  filter: string;
  /** Column index to sort by, or -1 for the natural order. */
  sort: number;
}

/** Builds the filter predicate; an invalid regex matches literally instead of failing. */
export function rowMatcher(filter: string): (row: Row) => boolean {
  if (!filter || filter === '!') return () => true;
  const inverse = filter.startsWith('!');
  const source = inverse ? filter.slice(1) : filter;
  let re: RegExp;
  try {
    re = new RegExp(source, 'i');
  } catch {
    re = new RegExp(source.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'i');
  }
  return (row) => re.test(row.cells.join(' ')) !== inverse;
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

/** The rows a list view shows, filtered then sorted. */
export function visibleRows(model: TableModel, options: ListOptions): Row[] {
  const rows = options.filter ? model.rows.filter(rowMatcher(options.filter)) : model.rows.slice();
  const col = options.sort;
  if (col >= 0 && col < model.columns.length)
    rows.sort((a, b) => collator.compare(a.cells[col] ?? '', b.cells[col] ?? ''));
  return rows;
}
