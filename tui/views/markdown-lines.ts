/** How one screen line of a rendered Markdown document is drawn. */
export type LineStyle = 'title' | 'heading' | 'table-head' | 'code' | 'text';

/** One screen line: its text (already fitted to the width) and how to draw it. */
export interface StyledLine {
  /** The text, at most the width it was laid out for (code and tables are cut, never wrapped). */
  text: string;
  /** Drawing style. */
  style: LineStyle;
}

/** Inline Markdown a terminal cannot show: bold/code markers and escaped pipes. */
const plain = (s: string) => s.replace(/\*\*(.+?)\*\*/g, '$1').replace(/`([^`]+)`/g, '$1');

const cells = (row: string) =>
  row
    .trim()
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split('|')
    .map((c) => plain(c.trim()));

const isRule = (row: string) => /^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?$/.test(row.trim());

/** Cut to `width` characters (code points: the chart's block characters are one cell each). */
function cut(text: string, width: number): string {
  const chars = [...text];
  return chars.length <= width ? text : `${chars.slice(0, Math.max(0, width - 1)).join('')}…`;
}

/** Word-wraps a paragraph to `width`, continuation lines indented by `indent`. */
function wrap(text: string, width: number, indent = ''): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const next = line ? `${line} ${word}` : word;
    if ([...next].length <= width || !line) line = next;
    else {
      out.push(line);
      line = `${indent}${word}`;
    }
  }
  if (line) out.push(line);
  return out.map((l) => cut(l, width));
}

/** A Markdown table as aligned columns, its header drawn apart and the rule as a line. */
function table(rows: string[], width: number): StyledLine[] {
  const body = rows.filter((r) => !isRule(r)).map(cells);
  const widths: number[] = [];
  for (const row of body)
    for (const [i, c] of row.entries()) widths[i] = Math.max(widths[i] ?? 0, [...c].length);
  const line = (row: string[]) =>
    cut(row.map((c, i) => c + ' '.repeat(Math.max(0, (widths[i] ?? 0) - [...c].length))).join('  '), width);
  const [head, ...rest] = body;
  if (!head) return [];
  const total = widths.reduce((n, w) => n + w, 0) + 2 * (widths.length - 1);
  return [
    { text: line(head).trimEnd(), style: 'table-head' },
    { text: cut('─'.repeat(total), width), style: 'text' },
    ...rest.map((r) => ({ text: line(r).trimEnd(), style: 'text' as const })),
  ];
}

/**
 * Lays a Markdown document out for a terminal `width` cells wide, one entry per screen line:
 * headings without their `#`, paragraphs and list items word-wrapped, tables as aligned columns,
 * code blocks (the drill's timeline chart) verbatim and cut, never wrapped. So a view can window
 * it exactly to the terminal's height.
 */
export function markdownLines(markdown: string, width: number): StyledLine[] {
  const w = Math.max(10, width);
  const out: StyledLine[] = [];
  const lines = markdown.replace(/\r\n/g, '\n').split('\n');
  let paragraph: string[] = [];
  const flush = () => {
    if (paragraph.length)
      for (const text of wrap(plain(paragraph.join(' ')), w)) out.push({ text, style: 'text' });
    paragraph = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.startsWith('```')) {
      flush();
      for (i++; i < lines.length && !(lines[i] as string).startsWith('```'); i++)
        out.push({ text: cut(lines[i] as string, w), style: 'code' });
      continue;
    }
    if (line.trim().startsWith('|')) {
      flush();
      const rows: string[] = [];
      for (; i < lines.length && (lines[i] as string).trim().startsWith('|'); i++)
        rows.push(lines[i] as string);
      i--;
      out.push(...table(rows, w));
      continue;
    }
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (heading) {
      flush();
      out.push({
        text: cut(plain(heading[2] as string), w),
        style: heading[1] === '#' ? 'title' : 'heading',
      });
      continue;
    }
    const item = /^\s*[-*]\s+(.*)$/.exec(line);
    if (item) {
      flush();
      for (const text of wrap(`• ${plain(item[1] as string)}`, w, '  ')) out.push({ text, style: 'text' });
      continue;
    }
    if (line.trim() === '') {
      flush();
      if (out.length && out.at(-1)?.text !== '') out.push({ text: '', style: 'text' });
      continue;
    }
    paragraph.push(line.trim());
  }
  flush();
  while (out.at(-1)?.text === '') out.pop();
  return out;
}
