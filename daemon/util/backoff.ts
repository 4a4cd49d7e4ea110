/**
 * Exponential backoff with "equal jitter" (AWS architecture blog): the ceiling doubles per attempt
 * up to maxMs, and the delay is half the ceiling plus a random share of the other half, so it lies
 * in [ceiling/2, ceiling]: never near zero (no hot retry loop), still spread across many clients.
 */
export function backoffDelay(
  attempt: number,
  baseMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** Resolves after ms unless the signal aborts first (then resolves early). */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
