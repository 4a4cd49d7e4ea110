/** Time source and timers, injected so tests can control or shorten them. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Schedules `fn` after `ms`; returns a handle for clearTimer. */
  setTimer(fn: () => void, ms: number): unknown;
  /** Cancels a timer from setTimer; ignores handles that already fired. */
  clearTimer(handle: unknown): void;
}

/** Wall clock with Node timers; timers are unref'd so they never keep the daemon alive alone. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimer: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
