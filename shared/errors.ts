import { z } from 'zod';

/** Error codes every v1 reply may carry. */
export const errorCodeSchema = z.enum([
  'bad_request',
  'unauthorized',
  'forbidden',
  'not_found',
  'conflict',
  'rate_limited',
  'too_large',
  'unavailable',
  'internal',
]);
export type ErrorCode = z.infer<typeof errorCodeSchema>;

/** The error body of an HTTP reply or a WebSocket reply frame. */
export const wireErrorSchema = z.object({
  /** Machine-readable reason. */
  code: errorCodeSchema,
  /** One line a person can act on. */
  message: z.string(),
  /** Dotted path of the offending input field, when one is to blame. */
  field: z.string().optional(),
});
export type WireError = z.infer<typeof wireErrorSchema>;

/** Turns a zod failure into one wire error naming the first bad field. */
export function wireErrorFromZod(error: z.ZodError, prefix = ''): WireError {
  const issue = error.issues[0];
  const keys = issue?.code === 'unrecognized_keys' ? issue.keys : [];
  const path = [prefix, ...(issue?.path ?? []).map(String), ...keys.slice(0, 1)].filter(Boolean).join('.');
  if (keys.length > 0) return { code: 'bad_request', message: `${path}: unknown field`, field: path };
  return {
    code: 'bad_request',
    message: path ? `${path}: ${issue?.message ?? 'invalid'}` : (issue?.message ?? 'invalid input'),
    ...(path ? { field: path } : {}),
  };
}
