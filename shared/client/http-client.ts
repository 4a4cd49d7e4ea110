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

/** One request as the client makes it. */
export interface ClientRequest {
  /** HTTP method. */
  method: string;
  /** Request headers. */
  headers: Record<string, string>;
  /** JSON body, already serialised. */
  body?: string;
}

/** Sends one request and reads the whole answer; rejects only when there is no answer. */
export type ClientSend = (
  url: string,
  request: ClientRequest,
  timeoutMs: number,
) => Promise<{ status: number; text: string }>;

/** The default transport: fetch, with the bounded wait of fetchText. */
const fetchSend: ClientSend = async (url, request, timeoutMs) => {
  const { res, text } = await fetchText(url, request, timeoutMs);
  return { status: res.status, text };
};

/** Sends with `send` (else fetch); a failure to get an answer becomes a ClientError of status 0. */
export async function sendRequest(
  send: ClientSend | undefined,
  url: string,
  request: ClientRequest,
  timeoutMs: number,
): Promise<{ status: number; text: string }> {
  try {
    return await (send ?? fetchSend)(url, request, timeoutMs);
  } catch (error) {
    if (error instanceof ClientError) throw error;
    throw new ClientError(failureReason(error), 0, undefined, error);
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
  /** Transport instead of fetch (e.g. https trusting a cluster's private CA). */
  send?: ClientSend;
}

/** Minimal JSON client for the daemon's HTTP API (used by the CLI and the TUI). */
export class HttpClient {
  readonly base: string;

  constructor(private readonly options: ClientOptions) {
    this.base = options.url.replace(/\/+$/, '');
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const request: ClientRequest = {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(this.options.token ? { authorization: `Bearer ${this.options.token}` } : {}),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    };
    const res = await sendRequest(
      this.options.send,
      `${this.base}${path}`,
      request,
      this.options.timeoutMs ?? 10_000,
    ).catch((error: ClientError) => {
      throw new ClientError(`cannot reach ${this.base}: ${error.message}`, 0, undefined, error.cause);
    });
    const text = res.text;
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (res.status < 200 || res.status >= 300) {
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
