import WebSocket from 'ws';
import { withTimeout } from './wait.js';

/** A raw test connection to /v1/client that collects every frame. */
export interface RawClient {
  /** The socket. */
  ws: WebSocket;
  /** Frames received so far, parsed. */
  frames: Record<string, unknown>[];
  /** Sends a frame (object → JSON, string as is). */
  send(frame: unknown): void;
  /** Waits for the first frame (from now on or already received) matching the predicate. */
  next(match: (f: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Resolves with the close code. */
  closed: Promise<number>;
}

export async function connectClient(
  baseUrl: string,
  headers: Record<string, string> = {},
): Promise<RawClient> {
  const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/v1/client`, { headers });
  const frames: Record<string, unknown>[] = [];
  const waiters = new Set<() => void>();
  ws.on('message', (raw) => {
    frames.push(JSON.parse(raw.toString()) as Record<string, unknown>);
    for (const w of waiters) w();
  });
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  await withTimeout(
    new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    }),
    5_000,
    'websocket open',
  );
  return {
    ws,
    frames,
    closed,
    send: (frame) => ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame)),
    next: (match, timeoutMs = 5_000) =>
      withTimeout(
        new Promise((resolve) => {
          const check = () => {
            const found = frames.find(match);
            if (found) {
              waiters.delete(check);
              resolve(found);
            }
          };
          waiters.add(check);
          check();
        }),
        timeoutMs,
        'a matching frame',
      ),
  };
}
