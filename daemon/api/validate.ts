import type { z } from 'zod';
import { wireErrorFromZod } from '../../shared/errors.js';
import { ApiError } from '../server/api-error.js';

/** Validates input against a schema; the error names the first offending field. */
export function validate<S extends z.ZodType>(schema: S, input: unknown, prefix = ''): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const wire = wireErrorFromZod(parsed.error, prefix);
  throw new ApiError('bad_request', wire.message, wire.field);
}
