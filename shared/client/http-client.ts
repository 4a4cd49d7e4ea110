import type { WireError } from '../errors.js';
import { ClientError } from './errors.js';

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
    // A ref'd timer (AbortSignal.timeout's is not) keeps a CLI alive until the answer or the timeout.
    const abort = new AbortController();
    const timeoutMs = this.options.timeoutMs ?? 10_000;
    const timer = setTimeout(() => abort.abort(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    let res: Response;
    let text: string;
    try {
      res = await fetch(`${this.base}${path}`, {
        method,
        headers: {
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(this.options.token ? { authorization: `Bearer ${this.options.token}` } : {}),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: abort.signal,
      });
      text = await res.text();
    } catch (cause) {
      const reason = (cause as Error & { cause?: { code?: string } }).cause?.code ?? (cause as Error).message;
      throw new ClientError(`cannot reach ${this.base}: ${reason}`, 0, undefined, cause);
    } finally {
      clearTimeout(timer);
    }
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
    return parsed as T;
  }
}
