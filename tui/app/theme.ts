/** Colours used by the views; every one is dropped when NO_COLOR is set (https://no-color.org). */
export interface Theme {
  /** Colour for a status word or level, or undefined for the terminal's default. */
  color(kind: string): string | undefined;
  /** Whether colour is on at all. */
  enabled: boolean;
}

const COLORS: Record<string, string> = {
  pass: 'green',
  alive: 'green',
  succeeded: 'green',
  live: 'green',
  running: 'cyan',
  queued: 'blue',
  warn: 'yellow',
  suspect: 'yellow',
  draining: 'yellow',
  stale: 'yellow',
  cancelled: 'gray',
  fail: 'red',
  failed: 'red',
  dead: 'red',
  error: 'red',
  accent: 'cyan',
  dim: 'gray',
};

/** The theme for an environment. */
export function themeFor(env: NodeJS.ProcessEnv = process.env): Theme {
  const enabled = env.NO_COLOR === undefined || env.NO_COLOR === '';
  return { enabled, color: (kind) => (enabled ? COLORS[kind] : undefined) };
}
