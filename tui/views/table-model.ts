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

/**
 * Rows by position: an array, or a lazy list that builds a row only when it is drawn (10,000
 * tasks, of which a window of 40 is on screen).
 */
export interface RowList {
  /** How many rows. */
  readonly length: number;
  /** The row at `index`, or undefined past the end. */
  at(index: number): Row | undefined;
}

/** What a list view shows: columns and rows, before filter and sort. */
export interface TableModel {
  /** Columns. */
  columns: Column[];
  /** Rows in their natural order. */
  rows: RowList;
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

/** Every row of a list, built. */
export function allRows(rows: RowList): Row[] {
  if (Array.isArray(rows)) return rows as Row[];
  return Array.from({ length: rows.length }, (_, i) => rows.at(i) as Row);
}

/**
 * The rows a list view shows, filtered then sorted. Without a filter or a sort the model's list is
 * shown as it is (a lazy one stays lazy); with one, every row is looked at once.
 */
export function visibleRows(model: TableModel, options: ListOptions): RowList {
  const col = options.sort >= 0 && options.sort < model.columns.length ? options.sort : -1;
  if (!options.filter && col < 0) return model.rows;
  const all = allRows(model.rows);
  const rows = options.filter ? all.filter(rowMatcher(options.filter)) : all.slice();
  if (col >= 0) rows.sort((a, b) => collator.compare(a.cells[col] ?? '', b.cells[col] ?? ''));
  return rows;
}
