import { METRICS_PATH } from '../../shared/api/operations.js';
import type { HttpRoute } from '../server/router.js';
import type { DaemonMetrics } from './registry.js';

/** GET /metrics in Prometheus text format; needs a token when tokens are configured. */
export function metricsRoute(metrics: DaemonMetrics): HttpRoute {
  return {
    method: 'GET',
    path: METRICS_PATH,
    auth: 'token',
    handle: async () => {
      const { contentType, body } = await metrics.text();
      return { status: 200, body, contentType };
    },
  };
}
