import { HEALTH_CONTENT_TYPE } from '../../shared/health.js';

/** What answers on a daemon's address. */
export type ProbeResult = 'aidos' | 'absent' | 'other';

/**
 * Asks `base` for /health/live: an aidos daemon answers with a health document (whatever its
 * status); nothing listening is `absent`; anything else on the port is `other`.
 */
export async function probeDaemon(base: string, timeoutMs = 2_000): Promise<ProbeResult> {
  try {
    const res = await fetch(`${base}/health/live`, { signal: AbortSignal.timeout(timeoutMs) });
    await res.body?.cancel();
    return (res.headers.get('content-type') ?? '').includes(HEALTH_CONTENT_TYPE) ? 'aidos' : 'other';
  } catch (error) {
    const code = (error as { cause?: { code?: string } }).cause?.code;
    return code === 'ECONNREFUSED' ? 'absent' : 'other';
  }
}

/** Resolves once `base` is ready (/health/ready is 200); rejects after `timeoutMs` or when `gone` fires. */
export async function waitReady(base: string, timeoutMs: number, gone: Promise<unknown>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void gone.then(() => {
    exited = true;
  });
  for (let pause = 20; ; pause = Math.min(pause * 2, 250)) {
    if (exited) throw new Error('the daemon exited before it was ready');
    const res = await fetch(`${base}/health/ready`, { signal: AbortSignal.timeout(2_000) }).catch(
      () => undefined,
    );
    await res?.body?.cancel();
    if (res?.status === 200) return;
    if (Date.now() > deadline) throw new Error(`the daemon at ${base} was not ready within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, pause));
  }
}
