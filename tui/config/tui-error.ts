/** A problem the TUI reports and exits on (bad flag, bad config file, unknown context). */
export class TuiError extends Error {
  /** Dotted config key or flag the error is about, when there is one. */
  readonly field: string | undefined;

  constructor(message: string, options: { field?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TuiError';
    this.field = options.field;
  }
}
