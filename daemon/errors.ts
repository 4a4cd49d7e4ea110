/** Kinds of failure the daemon distinguishes; each maps to an exit code or an HTTP status. */
export type AidosErrorKind =
  | 'config'
  | 'store'
  | 'migration'
  | 'input'
  | 'not_found'
  | 'conflict'
  | 'internal';

/** The one error type the daemon throws on purpose; keeps the underlying error as `cause`. */
export class AidosError extends Error {
  /** What went wrong, coarsely. */
  readonly kind: AidosErrorKind;
  /** Dotted key or field the error is about, when there is one. */
  readonly field: string | undefined;

  constructor(kind: AidosErrorKind, message: string, options: { field?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AidosError';
    this.kind = kind;
    this.field = options.field;
  }
}

/** sysexits.h EX_CONFIG: systemd and operators read it as "fix the configuration". */
export const EXIT_CONFIG = 78;
/** sysexits.h EX_UNAVAILABLE: a dependency (the store) could not be used. */
export const EXIT_UNAVAILABLE = 69;
/** sysexits.h EX_DATAERR: stored data (migration history) disagrees with the files. */
export const EXIT_DATAERR = 65;

export function exitCodeFor(error: unknown): number {
  if (error instanceof AidosError) {
    if (error.kind === 'config' || error.kind === 'input') return EXIT_CONFIG;
    if (error.kind === 'migration') return EXIT_DATAERR;
    if (error.kind === 'store') return EXIT_UNAVAILABLE;
  }
  return 1;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
