/** Enters the terminal's alternate screen; the returned function leaves it (safe to call twice). */
export function enterAltScreen(out: NodeJS.WriteStream = process.stdout): () => void {
  if (!out.isTTY) return () => {};
  out.write('\x1b[?1049h\x1b[H');
  let left = false;
  const leave = () => {
    if (left) return;
    left = true;
    out.write('\x1b[?25h\x1b[?1049l');
  };
  // Whatever ends the process, the user's screen comes back.
  process.once('exit', leave);
  return leave;
}
