import { constants } from 'node:os';
import { runTui } from './attach.js';
import { stopLiveChildren } from './child-daemon.js';

const START_UP_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;

/**
 * Runs up's start-up: a signal meanwhile stops the daemons started so far and exits, instead of
 * leaving them running (they are detached; the ordered stop is installed only once all are ready).
 */
export async function duringStartUp<T>(start: () => Promise<T>): Promise<T> {
  const on = (signal: NodeJS.Signals) => {
    stopLiveChildren();
    process.exit(128 + (constants.signals[signal] ?? 15));
  };
  for (const signal of START_UP_SIGNALS) process.on(signal, on);
  try {
    return await start();
  } finally {
    for (const signal of START_UP_SIGNALS) process.off(signal, on);
  }
}

/**
 * Opens the TUI on `url` and resolves with its exit code once the user quits it. SIGTERM or SIGHUP
 * to up closes the TUI (and so leads to the same clean stop); SIGINT is the TUI's own business
 * (Ctrl-C quits it), so up itself ignores it meanwhile.
 */
export async function tuiSession(url: string): Promise<number> {
  const tui = runTui(url.replace(/^http/, 'ws'));
  const close = () => tui.stop();
  const ignore = () => {};
  process.on('SIGTERM', close);
  process.on('SIGHUP', close);
  process.on('SIGINT', ignore);
  try {
    return await tui.exited;
  } finally {
    process.off('SIGTERM', close);
    process.off('SIGHUP', close);
    process.off('SIGINT', ignore);
  }
}

/** Resolves with the first SIGTERM or SIGINT (the foreground run without a terminal). */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals) => {
      process.off('SIGTERM', on);
      process.off('SIGINT', on);
      resolve(signal);
    };
    process.on('SIGTERM', on);
    process.on('SIGINT', on);
  });
}

/** http://host:port of a listen address; a wildcard address is reached on loopback. */
export function baseUrl(host: string, port: number): string {
  const reach = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${reach.includes(':') ? `[${reach}]` : reach}:${port}`;
}
