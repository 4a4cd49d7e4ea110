/** One mouse report of a terminal in SGR mode (`ESC [ < b ; x ; y M|m`), positions 0-based. */
export interface MouseEvent {
  /** press (a button went down), release, or a wheel turn. */
  kind: 'press' | 'release' | 'wheel-up' | 'wheel-down';
  /** 0 left, 1 middle, 2 right (0 for wheel turns). */
  button: number;
  /** Column, 0 = leftmost. */
  x: number;
  /** Row, 0 = top. */
  y: number;
}

/** Turns on button and wheel reports (1000) in SGR encoding (1006), which has no 223-column limit. */
export const MOUSE_ON = '\x1b[?1000h\x1b[?1006h';
/** Turns them off again. */
export const MOUSE_OFF = '\x1b[?1006l\x1b[?1000l';

const SGR = /^\[<(\d{1,4});(\d{1,5});(\d{1,5})([Mm])$/;

// ESC is optional: Ink's useInput hands a sequence over with its ESC already stripped.
const body = (input: string) => (input.startsWith('\x1b') ? input.slice(1) : input);

/** Whether a key handler's input is a mouse report (and so never a key). */
export function isMouseInput(input: string): boolean {
  return SGR.test(body(input));
}

/** Parses one SGR mouse report; null for anything else (keys, motion reports, other buttons). */
export function parseMouse(input: string): MouseEvent | null {
  const m = SGR.exec(body(input));
  if (!m) return null;
  const code = Number(m[1]);
  const x = Number(m[2]) - 1;
  const y = Number(m[3]) - 1;
  // Bits 2-4 are shift/meta/ctrl, bit 5 motion, bits 6-7 select the wheel and extra buttons.
  if (code & 32 || x < 0 || y < 0) return null;
  const base = code & ~28;
  if (base === 64) return { kind: 'wheel-up', button: 0, x, y };
  if (base === 65) return { kind: 'wheel-down', button: 0, x, y };
  if (base > 2) return null;
  return { kind: m[4] === 'M' ? 'press' : 'release', button: base, x, y };
}
