/** Why chaos refused or failed something; `field` names the input at fault when there is one. */
export type ChaosErrorKind = 'input' | 'refused' | 'inject' | 'revert';

/** The one error chaos throws on purpose; keeps the underlying error as `cause`. */
export class ChaosError extends Error {
  /** What went wrong, coarsely. */
  readonly kind: ChaosErrorKind;
  /** Dotted field of the scenario or fault spec the error is about. */
  readonly field: string | undefined;

  constructor(kind: ChaosErrorKind, message: string, options: { field?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ChaosError';
    this.kind = kind;
    this.field = options.field;
  }
}

export function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
