import { monitorEventLoopDelay } from 'node:perf_hooks';
import {
  HEALTH_CONTENT_TYPE,
  type HealthCheckEntry,
  type HealthDocument,
  worstStatus,
} from '../../shared/health.js';
import type { HttpReply, HttpRoute } from '../server/router.js';
import { VERSION } from '../version.js';

/** What the basic probes need to know about the daemon. */
export interface ProbeSource {
  /** Node id, reported as serviceId. */
  nodeId: string;
  /** Startup finished (store brought up at least once or given up waiting). */
  started(): boolean;
  /** Shutting down: readiness fails first. */
  draining(): boolean;
  /** Store reachable and migrated, with the reason when not. */
  store(): { ready: boolean; latencyMs: number | null; error: string | null; description: string };
}

function reply(doc: HealthDocument, authenticated: boolean): HttpReply {
  const body = authenticated ? doc : { status: doc.status, version: doc.version, serviceId: doc.serviceId };
  return { status: doc.status === 'fail' ? 503 : 200, body, contentType: HEALTH_CONTENT_TYPE };
}

function doc(
  source: ProbeSource,
  checks: Record<string, HealthCheckEntry[]>,
  output?: string,
): HealthDocument {
  const status = worstStatus(Object.values(checks).flatMap((entries) => entries.map((e) => e.status)));
  return {
    status,
    version: '1',
    releaseId: VERSION,
    serviceId: source.nodeId,
    ...(output && status !== 'pass' ? { output } : {}),
    checks,
  };
}

/** /health, /health/ready and /health/startup answered from in-memory state, so probes never touch the database. */
export function basicHealthRoutes(source: ProbeSource): HttpRoute[] {
  const loop = monitorEventLoopDelay({ resolution: 20 });
  loop.enable();
  const liveness = (): HealthDocument => {
    const lagMs = Math.max(0, loop.percentile(99) / 1e6 - 20);
    loop.reset();
    const entry: HealthCheckEntry = {
      componentType: 'system',
      observedValue: Math.round(lagMs * 100) / 100,
      observedUnit: 'ms',
      status: lagMs > 5_000 ? 'fail' : lagMs > 1_000 ? 'warn' : 'pass',
      time: new Date().toISOString(),
    };
    return doc(source, { 'eventloop:lag': [entry] });
  };
  const readiness = (): HealthDocument => {
    const store = source.store();
    const time = new Date().toISOString();
    const checks: Record<string, HealthCheckEntry[]> = {
      'store:ready': [
        {
          componentId: store.description,
          componentType: 'datastore',
          ...(store.latencyMs === null
            ? {}
            : { observedValue: Math.round(store.latencyMs * 100) / 100, observedUnit: 'ms' }),
          status: store.ready ? 'pass' : 'fail',
          time,
          ...(store.error ? { output: store.error } : {}),
        },
      ],
      'daemon:draining': [
        {
          componentType: 'component',
          observedValue: source.draining(),
          status: source.draining() ? 'fail' : 'pass',
          time,
        },
      ],
    };
    return doc(source, checks, store.error ?? (source.draining() ? 'shutting down' : undefined));
  };
  return [
    { method: 'GET', path: '/health', auth: 'public', handle: (ctx) => reply(liveness(), ctx.authenticated) },
    {
      method: 'GET',
      path: '/health/live',
      auth: 'public',
      handle: (ctx) => reply(liveness(), ctx.authenticated),
    },
    {
      method: 'GET',
      path: '/health/ready',
      auth: 'public',
      handle: (ctx) => reply(readiness(), ctx.authenticated),
    },
    {
      method: 'GET',
      path: '/health/startup',
      auth: 'public',
      handle: (ctx) => {
        const ok = source.started();
        const time = new Date().toISOString();
        return reply(
          doc(source, {
            'daemon:started': [
              { componentType: 'component', observedValue: ok, status: ok ? 'pass' : 'fail', time },
            ],
          }),
          ctx.authenticated,
        );
      },
    },
  ];
}
