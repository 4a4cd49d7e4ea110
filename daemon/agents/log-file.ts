import {
  closeSync,
  fstatSync,
  mkdirSync,
  openSync,
  readSync,
  renameSync,
  statSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { rotatedLog } from './layout.js';

/** Log writes that failed in this process (a full or vanished disk), for health and metrics. */
export interface LogWriteFailures {
  /** Writes (or rotations) that failed. */
  count: number;
  /** Bytes dropped because of them. */
  droppedBytes: number;
  /** The last failure's error code or message. */
  lastError: string | undefined;
  /** When the last failure happened (epoch ms). */
  lastAt: number | undefined;
}

const failures: LogWriteFailures = { count: 0, droppedBytes: 0, lastError: undefined, lastAt: undefined };

/** Every agent log write that failed since the daemon started. */
export function logWriteFailures(): Readonly<LogWriteFailures> {
  return failures;
}

/**
 * Appends to a log file capped at `maxBytes`, keeping one rotation (`rotatedLog(path)`).
 * Writes are synchronous: a local append is fast, and it means no buffered backlog
 * can build up in daemon memory when an agent floods its output. A write that fails (ENOSPC)
 * is counted and its bytes dropped, never thrown into the agent's output handler: once writing
 * works again a marker line says how much is missing.
 */
export class RotatingLog {
  private fd: number | undefined;
  private size = 0;
  private dropped = 0;

  constructor(
    /** File to write. */
    readonly path: string,
    /** Size at which the file is rotated. */
    private readonly maxBytes: number,
  ) {
    mkdirSync(dirname(path), { recursive: true });
    this.fd = openSync(path, 'a');
    this.size = statSync(path).size;
  }

  write(chunk: Buffer | string): void {
    if (this.fd === undefined) return;
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    try {
      if (this.dropped > 0) {
        this.append(Buffer.from(`\n[aidos: ${this.dropped} bytes of output dropped: log write failed]\n`));
        this.dropped = 0;
      }
      this.append(buf);
    } catch (error) {
      this.dropped += buf.length;
      failures.count += 1;
      failures.droppedBytes += buf.length;
      failures.lastError = (error as NodeJS.ErrnoException).code ?? String(error);
      failures.lastAt = Date.now();
    }
  }

  close(): void {
    if (this.fd !== undefined) {
      try {
        closeSync(this.fd);
      } catch {
        // Closing a file on a failing disk may report the failed writeback; nothing more to lose.
      }
    }
    this.fd = undefined;
  }

  /** Writes all of `buf` or throws; a part written before a failure stays counted in `size`. */
  private append(buf: Buffer): void {
    let offset = 0;
    while (offset < buf.length) {
      if (this.size >= this.maxBytes) this.rotate();
      const n = writeSync(
        this.fd as number,
        buf,
        offset,
        Math.min(buf.length - offset, this.maxBytes - this.size),
      );
      offset += n;
      this.size += n;
    }
  }

  private rotate(): void {
    closeSync(this.fd as number);
    this.fd = undefined;
    try {
      renameSync(this.path, rotatedLog(this.path));
    } finally {
      // Reopen whatever happened, so a failed rename does not end logging for the run.
      this.fd = openSync(this.path, 'a');
      this.size = statSync(this.path).size;
    }
  }
}

const MAX_TAIL_BYTES = 4 * 1024 * 1024;

/** The last lines of one file; `whole` when they reach back to its start. */
function tailOfFile(path: string, lines: number): { lines: string[]; whole: boolean } | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return undefined;
  }
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(size, MAX_TAIL_BYTES, lines * 1024);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    const text = buffer.toString('utf8');
    const all = text.split('\n');
    if (all[all.length - 1] === '') all.pop();
    if (length < size) all.shift();
    const last = all.slice(-lines);
    return { lines: last, whole: length === size && last.length === all.length };
  } finally {
    closeSync(fd);
  }
}

/**
 * The last `lines` lines of a log written by RotatingLog: from the file, and from its rotation
 * before it when the file alone has fewer (a run that outgrew the cap, or one just rotated).
 * Empty when neither exists.
 */
export function readLogTail(path: string, lines: number): string[] {
  const current = tailOfFile(path, lines);
  if (current && !current.whole) return current.lines;
  const got = current?.lines ?? [];
  if (got.length >= lines) return got;
  const older = tailOfFile(rotatedLog(path), lines - got.length)?.lines ?? [];
  return [...older, ...got];
}
