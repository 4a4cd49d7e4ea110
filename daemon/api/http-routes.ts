import {
  type HttpOperationName,
  OPERATION_ROUTES,
  type OperationRoute,
} from '../../shared/api/operations.js';
import { ApiError } from '../server/api-error.js';
import type { HttpContext, HttpRoute } from '../server/router.js';
import type { Operation } from './operation.js';
import { validate } from './validate.js';

type InputBuilder = (ctx: HttpContext) => unknown;

function numberParam(query: URLSearchParams, key: string): number | undefined {
  const raw = query.get(key);
  if (raw === null) return undefined;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n))
    throw new ApiError('bad_request', `${key}: must be a number`, key);
  return n;
}

/** Query-string keys as the operation's input, with numbers and comma lists decoded. */
function fromQuery(ctx: HttpContext, numbers: string[] = [], lists: string[] = []): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const [key, value] of ctx.query) {
    if (key === 'token') continue;
    if (numbers.includes(key)) input[key] = numberParam(ctx.query, key);
    else if (lists.includes(key)) input[key] = value.split(',').filter(Boolean);
    else input[key] = value;
  }
  return input;
}

function bodyObject(ctx: HttpContext): Record<string, unknown> {
  if (ctx.body === undefined) return {};
  if (typeof ctx.body !== 'object' || ctx.body === null || Array.isArray(ctx.body)) {
    throw new ApiError('bad_request', 'body: must be a JSON object', 'body');
  }
  return ctx.body as Record<string, unknown>;
}

/** How each operation's input is read from a request; method, path and status are in shared/api. */
const INPUTS: Record<HttpOperationName, { body?: boolean; input: InputBuilder }> = {
  'task.submit': { body: true, input: (ctx) => ctx.body },
  'task.list': { input: (ctx) => fromQuery(ctx, ['limit'], ['state']) },
  'task.get': { input: (ctx) => ({ id: ctx.params.id }) },
  'task.cancel': { body: true, input: (ctx) => ({ ...bodyObject(ctx), id: ctx.params.id }) },
  'task.retry': { body: true, input: (ctx) => ({ id: ctx.params.id }) },
  'task.logs': { input: (ctx) => ({ ...fromQuery(ctx, ['attempt', 'tail']), id: ctx.params.id }) },
  'node.info': { input: () => ({}) },
  'chaos.list': { input: () => ({}) },
  'chaos.run': { body: true, input: (ctx) => ctx.body },
  'chaos.inject': { body: true, input: (ctx) => ctx.body },
  'chaos.status': { input: () => ({}) },
  'chaos.abort': { body: true, input: () => ({}) },
  'chaos.report': { input: (ctx) => ({ id: ctx.params.id }) },
  'node.list': { input: () => ({}) },
  'node.show': { input: (ctx) => ({ id: ctx.params.id }) },
  'task.move': { body: true, input: (ctx) => ({ ...bodyObject(ctx), id: ctx.params.id }) },
  'node.drain': { body: true, input: (ctx) => ({ ...bodyObject(ctx), id: ctx.params.id }) },
  'node.undrain': { body: true, input: (ctx) => ({ id: ctx.params.id }) },
};

const ROUTES = (Object.keys(INPUTS) as HttpOperationName[]).map((op) => {
  const route: OperationRoute = OPERATION_ROUTES[op];
  return { op, method: route.method, path: route.path, status: route.status, ...INPUTS[op] };
});

/** HTTP routes for the operations (all require the API token when tokens are configured). */
export function operationRoutes(operations: Operation[]): HttpRoute[] {
  const byName = new Map(operations.map((o) => [o.name, o]));
  return ROUTES.filter((r) => byName.has(r.op)).map((r) => {
    const op = byName.get(r.op) as Operation;
    return {
      method: r.method,
      path: r.path,
      auth: 'token',
      ...(r.body ? { body: true } : {}),
      handle: async (ctx: HttpContext) => {
        const input = validate(op.input, r.input(ctx));
        const result = await op.handle(input, { authenticated: ctx.authenticated, ...ctx.caller });
        const created =
          r.op === 'task.submit' && (result as { created?: boolean }).created === false ? 200 : r.status;
        return { status: created ?? 200, body: result };
      },
    };
  });
}
