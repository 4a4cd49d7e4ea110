import type { z } from 'zod';
import { wireErrorFromZod } from '../../shared/errors.js';
import { ApiError } from '../server/api-error.js';

/**
 * The path of the first string holding a NUL or the first `__proto__` key. Both stores must
 * treat such input the same way, and PostgreSQL cannot store a NUL in text at all, so it is
 * refused here before any store sees it; a `__proto__` key would silently vanish on the way in.
 */
function hostileAt(value: unknown, path: string): { field: string; message: string } | undefined {
  if (typeof value === 'string') {
    return value.includes('\u0000')
      ? { field: path, message: 'must not contain a NUL character' }
      : undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  for (const key of Object.keys(value)) {
    const field = path ? `${path}.${key}` : key;
    if (key === '__proto__') return { field: path || key, message: 'the key "__proto__" is not allowed' };
    if (key.includes('\u0000'))
      return { field: path || 'body', message: 'keys must not contain a NUL character' };
    const found = hostileAt((value as Record<string, unknown>)[key], field);
    if (found) return found;
  }
  return undefined;
}

/** Validates input against a schema; the error names the first offending field. */
export function validate<S extends z.ZodType>(schema: S, input: unknown, prefix = ''): z.output<S> {
  const hostile = hostileAt(input, prefix);
  if (hostile) throw new ApiError('bad_request', `${hostile.field}: ${hostile.message}`, hostile.field);
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const wire = wireErrorFromZod(parsed.error, prefix);
  throw new ApiError('bad_request', wire.message, wire.field);
}
