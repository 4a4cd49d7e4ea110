import { connect } from 'node:net';

/** What came back on a raw connection. */
export interface RawReply {
  /** The status code of the first response line, or 0 when nothing came. */
  status: number;
  /** Everything the server sent. */
  raw: string;
  /** The server closed the connection (rather than the wait running out). */
  closed: boolean;
}

/**
 * Writes `bytes` on a fresh TCP connection and collects what the server sends until it closes
 * the connection or `waitMs` runs out; a server that answers and keeps the socket open is told
 * apart from one that closes it.
 */
export function rawRequest(port: number, bytes: string | Buffer, waitMs = 10_000): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let raw = '';
    const done = (closed: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(raw)?.[1] ?? 0);
      resolve({ status, raw, closed });
    };
    const timer = setTimeout(() => done(false), waitMs);
    socket.on('data', (b: Buffer) => {
      raw += b.toString('latin1');
    });
    socket.on('close', () => done(true));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      // A reset after the reply still counts as a close; before any connection it is a failure.
      if (error.code === 'ECONNRESET' || error.code === 'EPIPE') return;
      clearTimeout(timer);
      reject(error);
    });
    socket.on('connect', () => socket.write(bytes));
  });
}

/** Descriptors a process holds open, from /proc (Linux). */
export async function openDescriptors(pid: number): Promise<number> {
  const { readdir } = await import('node:fs/promises');
  return (await readdir(`/proc/${pid}/fd`)).length;
}
