/** `Error: boom`, `TypeError [ERR_X]: …`, `ValueError: …`, `panic: …`, `FATAL …`: a line that says what broke. */
const ERROR_LINE =
  /^(?:Uncaught )?(?:[A-Z][\w.]*(?:Error|Exception)|Error|panic|fatal error)(?: \[[^\]]+\])?:\s|^(?:FATAL|Fatal|ERROR)\b/;
/** Lines that never explain anything: stack frames, Node's version footer, a caret under source. */
const NOISE = /^\s+at\s|^Node\.js v\d|^\s*\^+\s*$|^\s*$|^\s*\}\s*$|^Traceback \(most recent call last\)/;

/**
 * The most telling line of an agent's stderr when it died without an envelope: the last line
 * that names an error (the thrown one, not its stack or `Node.js v20` after it), else the last
 * line that is not noise. Undefined when stderr holds nothing useful.
 */
export function tellingLine(stderr: string[]): string | undefined {
  let fallback: string | undefined;
  for (let i = stderr.length - 1; i >= 0; i--) {
    const line = stderr[i] as string;
    if (ERROR_LINE.test(line.trimStart())) return line.trim();
    if (fallback === undefined && !NOISE.test(line)) fallback = line.trim();
  }
  return fallback;
}
