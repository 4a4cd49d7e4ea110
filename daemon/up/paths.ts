import { fileURLToPath } from 'node:url';

/** The built files `aidos up` starts as child processes (next to this one under dist/). */
export const UP_PATHS = {
  /** The aidos CLI, run as `aidos daemon` for each daemon up starts. */
  aidos: fileURLToPath(new URL('../bin/aidos.js', import.meta.url)),
  /** The aidos-tui binary up opens on the daemon. */
  tui: fileURLToPath(new URL('../../tui/bin/aidos-tui.js', import.meta.url)),
  /** The demo's stand-in agent (a pretend `openclaw agent exec --json`). */
  demoAgent: fileURLToPath(new URL('./demo-agent.js', import.meta.url)),
};
