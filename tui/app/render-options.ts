/**
 * How aidos-tui asks Ink to draw (the bench renders with the same). Ink's default of 30 frames/s
 * would hold a change up to 33 ms; a frame costs a few ms, so up to 120 frames/s (a change waits at
 * most 9 ms) while the store still draws changes that arrive in one event-loop turn together.
 */
export const RENDER_OPTIONS = { exitOnCtrlC: true, patchConsole: true, maxFps: 120 } as const;
