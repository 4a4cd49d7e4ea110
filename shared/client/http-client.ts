import { formatDuration } from '../duration.js';
import type { WireError } from '../errors.js';
import { ClientError } from './errors.js';

/** Why a fetch failed, in words: undici's cause says "other side closed" where its code says UND_ERR_SOCKET. */
function failureReason(error: unknown): string {
  const inner = (error as { cause?: unknown }).cause as (Error & { code?: string }) | undefined;
  return inner?.message || inner?.code || (error as Error).message;
}

/**
 * Fetches a URL and reads its body within `timeoutMs`; rejects with a ClientError of status 0
 * (unreachable) that says why. The timer is ref'd (AbortSignal.timeout's is not), so a CLI stays
 * alive until the answer or the timeout whatever the server does to the connection (on Node 20 a
 * socket closed on connect left a promise nothing settles, and the process exited 13 silently).
 */
export async function fetchText(
  url: string,
  init: RequestInit,
  timeoutMs: number,
): Promise<{ res: Response; text: string }> {
  const abort = new AbortController();
  const timer = setTimeout(
    () => abort.abort(new Error(`no answer within ${formatDuration(timeoutMs)}`)),
    timeoutMs,
  );
  try {
    const res = await fetch(url, { ...init, signal: abort.signal });
    return { res, text: await res.text() };
  } catch (error) {
    throw new ClientError(failureReason(error), 0, undefined, error);
  } finally {
    clearTimeout(timer);
  }
}

/** Where a daemon is and how to authenticate. */
export interface ClientOptions {
  /** Base URL, e.g. http://127.0.0.1:7420. */
  url: string;
  /** API token, when the daemon requires one. */
  token?: string;
  /** Per-request timeout. */
  timeoutMs?: number;
}

/** Minimal JSON client for the daemon's HTTP API (used by the CLI and the TUI). */
export class HttpClient {
  readonly base: string;

  constructor(private readonly options: ClientOptions) {
    this.base = options.url.replace(/\/+$/, '');
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const init: RequestInit = {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(this.options.token ? { authorization: `Bearer ${this.options.token}` } : {}),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    };
    const { res, text } = await fetchText(
      `${this.base}${path}`,
      init,
      this.options.timeoutMs ?? 10_000,
    ).catch((error: ClientError) => {
      throw new ClientError(`cannot reach ${this.base}: ${error.message}`, 0, undefined, error.cause);
    });
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!res.ok) {
      const wire = (parsed as { error?: WireError } | undefined)?.error;
      throw new ClientError(wire?.message ?? `HTTP ${res.status}`, res.status, wire);
    }
    // Every reply of an aidos daemon is a JSON object; anything else is another server on that port.
    if (typeof parsed !== 'object' || parsed === null)
      throw new ClientError(
        `${this.base}${path} answered ${res.status} with something that is not an aidos reply (is --url an aidos daemon?)`,
        res.status,
      );
    return parsed as T;
  }
}
