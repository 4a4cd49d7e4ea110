import { MOUSE_OFF, MOUSE_ON } from '../keys/mouse.js';

/**
 * Enters the terminal's alternate screen with mouse reporting on; the returned function leaves
 * both (safe to call twice).
 */
export function enterAltScreen(out: NodeJS.WriteStream = process.stdout): () => void {
  if (!out.isTTY) return () => {};
  out.write(`\x1b[?1049h\x1b[H${MOUSE_ON}`);
  let left = false;
  const leave = () => {
    if (left) return;
    left = true;
    // Mouse off first: a shell left with reporting on prints garbage on every click.
    out.write(`${MOUSE_OFF}\x1b[?25h\x1b[?1049l`);
  };
  // Whatever ends the process, the user's screen comes back.
  process.once('exit', leave);
  return leave;
}
