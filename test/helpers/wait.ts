/** Polls `cond` until it is truthy or `timeoutMs` passes; rejects naming `what` on timeout. */
export async function waitFor<T>(
  cond: () => T | Promise<T>,
  timeoutMs: number,
  what = 'condition',
  pollMs = 20,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await cond();
    if (value) return value as NonNullable<T>;
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
