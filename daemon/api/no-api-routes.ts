import { OPERATION_ROUTES, OPERATOR_PATHS } from '../../shared/api/operations.js';
import { ApiError } from '../server/api-error.js';
import type { HttpRoute } from '../server/router.js';

/**
 * On a node without the `api` role, every client route answers with why instead of a bare 404,
 * so an operator who points a client at a worker-only node learns to use an api node.
 */
export function noApiRoutes(nodeId: string, roles: readonly string[]): HttpRoute[] {
  const paths = new Map<string, 'GET' | 'POST'>();
  for (const route of Object.values(OPERATION_ROUTES))
    paths.set(`${route.method} ${route.path}`, route.method);
  for (const path of Object.values(OPERATOR_PATHS)) paths.set(`GET ${path}`, 'GET');
  return [...paths].map(([key, method]) => ({
    method,
    path: key.slice(method.length + 1),
    auth: 'public',
    handle: () => {
      throw new ApiError(
        'not_found',
        `node ${nodeId} serves no client API (roles: ${roles.join(', ')}); send this to a node with the api role`,
      );
    },
  }));
}
