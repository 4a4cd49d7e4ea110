import { closeSync, mkdirSync, openSync, renameSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Appends to a log file capped at `maxBytes`, keeping one rotation (`<path>.1`).
 * Writes are synchronous: a local append is fast, and it means no buffered backlog
 * can build up in daemon memory when an agent floods its output.
 */
export class RotatingLog {
  private fd: number | undefined;
  private size = 0;

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
    let offset = 0;
    while (offset < buf.length) {
      if (this.size >= this.maxBytes) this.rotate();
      const n = Math.min(buf.length - offset, this.maxBytes - this.size);
      writeSync(this.fd as number, buf, offset, n);
      offset += n;
      this.size += n;
    }
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private rotate(): void {
    closeSync(this.fd as number);
    renameSync(this.path, `${this.path}.1`);
    this.fd = openSync(this.path, 'a');
    this.size = 0;
  }
}
