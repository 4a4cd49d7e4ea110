import type { WireError } from '../errors.js';

/** A failed call to a daemon: the daemon's error reply, or why it could not be reached. */
export class ClientError extends Error {
  /** HTTP status (0 when the daemon was unreachable). */
  readonly status: number;
  /** The daemon's error body, when it answered. */
  readonly wire: WireError | undefined;

  constructor(message: string, status: number, wire?: WireError, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'ClientError';
    this.status = status;
    this.wire = wire;
  }

  /** The daemon could not be reached at all. */
  get unreachable(): boolean {
    return this.status === 0;
  }
}
