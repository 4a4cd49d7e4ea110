import type { ErrorCode, WireError } from '../../shared/errors.js';
import { AidosError } from '../errors.js';

const STATUS_OF: Record<ErrorCode, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
};

/** An error that becomes a v1 error reply (HTTP status + `{error: {code, message, field}}`). */
export class ApiError extends Error {
  /** Machine-readable reason. */
  readonly code: ErrorCode;
  /** Offending input field, when one is to blame. */
  readonly field: string | undefined;

  constructor(code: ErrorCode, message: string, field?: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'ApiError';
    this.code = code;
    this.field = field;
  }

  get status(): number {
    return STATUS_OF[this.code];
  }

  toWire(): WireError {
    return { code: this.code, message: this.message, ...(this.field ? { field: this.field } : {}) };
  }
}

/** Maps anything thrown by a handler to an ApiError; unknown errors hide their details. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof AidosError) {
    const code: ErrorCode =
      error.kind === 'input' || error.kind === 'config'
        ? 'bad_request'
        : error.kind === 'not_found'
          ? 'not_found'
          : error.kind === 'conflict'
            ? 'conflict'
            : error.kind === 'store'
              ? 'unavailable'
              : 'internal';
    return new ApiError(code, code === 'internal' ? 'internal error' : error.message, error.field, error);
  }
  const full = diskFullCode(error);
  if (full)
    return new ApiError(
      'unavailable',
      `store: the disk is full (${full}); try again later`,
      undefined,
      error,
    );
  return new ApiError('internal', 'internal error', undefined, error);
}

/** SQLite reports a full disk as SQLITE_FULL, the file system as ENOSPC: the host's state, not a bug. */
function diskFullCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT') return code;
  }
  return undefined;
}
