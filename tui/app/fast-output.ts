import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type AnsiCode, ansiCodesToString, diffAnsiCodes } from '@alcalzone/ansi-tokenize';

// Ink 6 turns every frame into a grid of one object per cell (160×45 = 7,200), tokenizes every
// line again and diffs the styles of every pair of neighbouring cells with three fresh Sets: about
// 16 MB of garbage and most of a frame's CPU, whose collection pauses made the slow frames. This
// replaces Ink's Output.get with one that gives the same string from cached lines (a table row that
// did not change is not tokenized again), one shared blank cell and styles interned so that equal
// neighbours compare by reference. Ink's own code still tokenizes a new line and measures widths.

/** Ink versions whose Output.get this was checked against (test/tui/fast-output.test.ts). */
export const VERIFIED_INK = ['6.8.0'];

interface StyledChar {
  type: 'char';
  value: string;
  fullWidth: boolean;
  styles: AnsiCode[];
}

interface Clip {
  x1?: number;
  x2?: number;
  y1?: number;
  y2?: number;
}

type Operation =
  | { type: 'write'; x: number; y: number; text: string; transformers: ((s: string, i: number) => string)[] }
  | { type: 'clip'; clip: Clip }
  | { type: 'unclip' };

interface InkCaches {
  getStyledChars(line: string): StyledChar[];
  getStringWidth(text: string): number;
  styledChars: Map<string, StyledChar[]>;
  widths: Map<string, number>;
}

/** Ink's Output (build/output.js), the fields this reads. */
export interface InkOutput {
  /** Columns. */
  width: number;
  /** Lines. */
  height: number;
  /** What the renderer asked for, in order. */
  operations: Operation[];
  /** Ink's per-frame tokenizer and width caches. */
  caches: InkCaches;
  /** The frame as text. */
  get(): { output: string; height: number };
  /** Queues text at x, y. */
  write(
    x: number,
    y: number,
    text: string,
    options: { transformers: ((s: string, i: number) => string)[] },
  ): void;
  /** Starts clipping to a region. */
  clip(clip: Clip): void;
  /** Ends the last clip. */
  unclip(): void;
}

/** Ink's Output class. */
export type OutputClass = { new (size: { width: number; height: number }): InkOutput; prototype: InkOutput };

/** A line ready to place: its cells with interned styles and each cell's printed width. */
interface Line {
  chars: StyledChar[];
  widths: number[];
  /** The output row when this line is all a row holds, from x = 0 (trailing blanks are trimmed). */
  row?: string;
}

/** Most distinct lines kept (several screens' worth); the oldest go first. */
const MAX_LINES = 1000;
const lines = new Map<string, Line>();
const interned = new Map<string, AnsiCode[]>();
const EMPTY: AnsiCode[] = [];
interned.set('', EMPTY);
const BLANK: StyledChar = { type: 'char', value: ' ', fullWidth: false, styles: EMPTY };
const diffs = new Map<AnsiCode[], Map<AnsiCode[], string>>();

function intern(styles: AnsiCode[]): AnsiCode[] {
  const key = styles.map((s) => `${s.code}\u0000${s.endCode}`).join('\u0001');
  let found = interned.get(key);
  if (!found) {
    found = styles.slice();
    interned.set(key, found);
  }
  return found;
}

/** The codes that take the terminal from `from` to `to` (from === undefined: a row's start). */
function transition(from: AnsiCode[] | undefined, to: AnsiCode[]): string {
  if (from === to) return '';
  const key = from ?? EMPTY;
  let row = diffs.get(key);
  if (!row) {
    row = new Map();
    diffs.set(key, row);
  }
  let text = row.get(to);
  if (text === undefined) {
    text = ansiCodesToString(from === undefined ? to : diffAnsiCodes(from, to));
    if (from !== undefined) row.set(to, text);
  }
  return text;
}

function lineOf(scratch: InkOutput, text: string): Line {
  const cached = lines.get(text);
  if (cached) return cached;
  const chars = scratch.caches.getStyledChars(text).map((c) => ({ ...c, styles: intern(c.styles) }));
  scratch.caches.styledChars.clear();
  // Widths are kept per grapheme; a stream of unusual text must not grow it forever.
  if (scratch.caches.widths.size > 10_000) scratch.caches.widths.clear();
  const line = { chars, widths: chars.map((c) => Math.max(1, scratch.caches.getStringWidth(c.value))) };
  if (lines.size >= MAX_LINES) lines.delete(lines.keys().next().value as string);
  lines.set(text, line);
  return line;
}

function rowText(row: (StyledChar | undefined)[]): string {
  let out = '';
  let prev: StyledChar | undefined;
  for (const cell of row) {
    if (cell === undefined) continue;
    out += prev === undefined ? transition(undefined, cell.styles) : transition(prev.styles, cell.styles);
    out += cell.value;
    prev = cell;
  }
  if (prev) out += transition(prev.styles, EMPTY);
  return out.trimEnd();
}

/** Ink's Output.get for frames without horizontal clipping (the TUI clips vertically only). */
function fastGet(this: InkOutput, original: () => { output: string; height: number }, scratch: InkOutput) {
  const ops = this.operations;
  for (const op of ops) {
    if (op.type === 'clip' && (typeof op.clip.x1 === 'number' || typeof op.clip.x2 === 'number'))
      return original.call(this);
    if (op.type !== 'clip' && op.type !== 'unclip' && op.type !== 'write') return original.call(this);
  }
  const { width, height } = this;
  // A row one line wrote from x = 0 (a table row, a header) stays that Line, whose text is
  // cached; a row written twice or from further right becomes cells as in Ink.
  const alone: (Line | undefined)[] = new Array(height);
  const cells: (StyledChar[] | undefined)[] = new Array(height);
  const place = (y: number, x: number, line: Line) => {
    let row = cells[y];
    if (!row) {
      const only = alone[y];
      if (!only && x === 0) {
        alone[y] = line;
        return;
      }
      row = new Array<StyledChar>(width).fill(BLANK);
      cells[y] = row;
      if (only) put(row, 0, only);
      alone[y] = undefined;
    }
    put(row, x, line);
  };
  const clips: Clip[] = [];
  for (const op of ops) {
    if (op.type === 'clip') clips.push(op.clip);
    else if (op.type === 'unclip') clips.pop();
    else {
      let { y } = op;
      let texts = op.text ? op.text.split('\n') : [];
      const clip = clips.at(-1);
      if (clip && typeof clip.y1 === 'number' && typeof clip.y2 === 'number') {
        if (y + texts.length < clip.y1 || y > clip.y2) continue;
        const from = y < clip.y1 ? clip.y1 - y : 0;
        const to = y + texts.length > clip.y2 ? clip.y2 - y : texts.length;
        texts = texts.slice(from, to);
        if (y < clip.y1) y = clip.y1;
      }
      // As Ink: a line off the grid is skipped and does not advance the row (so once one is
      // off, the rest of the text is too).
      let offsetY = 0;
      for (let index = 0; index < texts.length; index++) {
        const at = y + offsetY;
        if (at < 0 || at >= height) continue;
        let text = texts[index]!;
        for (const transform of op.transformers) text = transform(text, index);
        place(at, op.x, lineOf(scratch, text));
        offsetY++;
      }
    }
  }
  const rows: string[] = [];
  for (let y = 0; y < height; y++) {
    const row = cells[y];
    const line = alone[y];
    if (line && !row) line.row ??= rowText(line.chars);
    rows.push(row ? rowText(row) : (line?.row ?? ''));
  }
  return { output: rows.join('\n'), height };
}

/** Ink's placing of a line's cells from x (a wide character fills the cells after it). */
function put(row: (StyledChar | undefined)[], from: number, { chars, widths }: Line): void {
  let x = from;
  for (let i = 0; i < chars.length; i++) {
    const char = chars[i]!;
    const width = widths[i]!;
    row[x] = char;
    for (let k = 1; k < width; k++)
      row[x + k] = { type: 'char', value: '', fullWidth: false, styles: char.styles };
    x += width;
  }
}

let installed: { mode: 'fast' | 'ink'; original?: InkOutput['get'] } | undefined;

/** Ink's Output class (the module instance its renderer uses: not in Ink's exports, so by file URL) and version. */
export async function inkOutput(): Promise<{ Output: OutputClass; version: string }> {
  const entry = createRequire(import.meta.url).resolve('ink');
  const { version } = JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8')) as {
    version: string;
  };
  const mod = (await import(pathToFileURL(join(dirname(entry), 'output.js')).href)) as {
    default: OutputClass;
  };
  return { Output: mod.default, version };
}

/**
 * Puts the faster Output.get into Ink (once per process, before the first render). Returns
 * 'ink' and changes nothing when the installed Ink is not a version it was checked against.
 */
export async function installFastOutput(): Promise<'fast' | 'ink'> {
  if (installed) return installed.mode;
  const { Output, version } = await inkOutput();
  if (!VERIFIED_INK.includes(version)) {
    installed = { mode: 'ink' };
    return 'ink';
  }
  const original = Output.prototype.get;
  const scratch = new Output({ width: 0, height: 0 });
  Output.prototype.get = function get(this: InkOutput) {
    return fastGet.call(this, original, scratch);
  };
  installed = { mode: 'fast', original };
  return 'fast';
}

/** Ink's own get, once the fast one is installed (the test runs both on the same frames). */
export function inkOriginalGet(): InkOutput['get'] | undefined {
  return installed?.original;
}

/** The installed Ink's version. */
export async function inkVersion(): Promise<string> {
  return (await inkOutput()).version;
}
