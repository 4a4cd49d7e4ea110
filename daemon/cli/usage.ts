/** A wrong command line found after parsing (a missing --message, a bad --url); exits 64. */
export class UsageError extends Error {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'UsageError';
  }
}
