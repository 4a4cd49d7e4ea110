import type { z } from 'zod';
import type { OperationName } from '../../shared/protocol.js';

/** Who is calling. */
export interface OperationContext {
  /** Presented a valid API token (or none is configured). */
  authenticated: boolean;
  /** Which configured token (`api.tokens[i] sha256:…`, never the secret), null for none; absent in-process. */
  token?: string | null;
  /** The caller's address (`ip:port`); absent in-process. */
  client?: string;
}

/** One client operation, shared by the HTTP API and the client WebSocket. */
export interface Operation<S extends z.ZodType = z.ZodType> {
  /** Name used as `op` on the WebSocket. */
  name: OperationName;
  /** Schema its input must satisfy. */
  input: S;
  /** Does the work; throws ApiError for expected failures. */
  handle(input: z.output<S>, ctx: OperationContext): Promise<unknown>;
}

/** Keeps the input type tied to the schema when building operation lists. */
export function operation<S extends z.ZodType>(op: Operation<S>): Operation {
  return op as unknown as Operation;
}
