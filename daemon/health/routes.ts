import { HEALTH_LIVE_ALIAS, HEALTH_PATHS } from '../../shared/api/operations.js';
import { HEALTH_CONTENT_TYPE, type HealthCheckEntry, type HealthDocument } from '../../shared/health.js';
import type { HttpContext, HttpReply, HttpRoute } from '../server/router.js';
import { entryOf, healthDocument, summaryOf } from './document.js';
import type { ClusterHealthSource } from './providers.js';
import type { HealthRunner } from './runner.js';
import type { ResolvedCheck } from './types.js';

/** What the endpoints read; all of it is in memory. */
export interface HealthEndpointSource {
  /** Node id (serviceId). */
  nodeId: string;
  /** Latest results. */
  runner: HealthRunner;
  /** Startup finished: the daemon is running and every check readiness needs has run once. */
  started(): boolean;
  /** Lifecycle phase: readiness passes only while running, so it fails first on shutdown. */
  phase(): 'starting' | 'running' | 'draining' | 'stopped';
  /** Membership (this node alone on a single host). */
  cluster(): ClusterHealthSource;
}

/** Which set of checks a document holds. */
export type View = 'live' | 'ready' | 'deep';

const FILTERS: Record<View, (c: ResolvedCheck) => boolean> = {
  live: (c) => c.affects === 'live',
  ready: (c) => c.affects === 'ready',
  deep: () => true,
};

const DESCRIPTIONS: Record<View | 'startup' | 'cluster', string> = {
  live: 'liveness: the process and its event loop',
  ready: 'readiness: running, store, disk, agents, cluster',
  deep: 'every check with details',
  startup: 'startup: the daemon is running and has checked itself once',
  cluster: 'each member of the cluster as this node sees it',
};

function flag(ctx: HttpContext, name: string): boolean {
  const v = ctx.query.get(name);
  return v === '1' || v === 'true';
}

/** One view's document from the cached results (the WebSocket `health` topic uses `deep`). */
export function healthView(source: HealthEndpointSource, view: View): HealthDocument {
  const { runner } = source;
  const checks: Record<string, HealthCheckEntry[]> = {};
  const missing = view === 'ready' ? 'fail' : 'warn';
  for (const check of runner.list().filter(FILTERS[view]))
    checks[check.name] = [entryOf(check, runner.result(check.name), missing)];
  if (view !== 'live') {
    const phase = source.phase();
    checks['daemon:phase'] = [
      {
        componentType: 'component',
        observedValue: phase,
        status: phase === 'running' ? 'pass' : 'fail',
        ...(phase === 'running' ? {} : { output: phase === 'starting' ? 'starting up' : 'shutting down' }),
      },
    ];
  }
  return healthDocument(source.nodeId, checks, DESCRIPTIONS[view]);
}

/** Builds the documents from cached results; serialised text is reused until a result changes. */
export function healthRoutes(source: HealthEndpointSource): HttpRoute[] {
  const { runner } = source;
  const cache = new Map<string, { key: string; status: number; text: string }>();

  const build = (view: View): HealthDocument => healthView(source, view);

  const reply = (doc: HealthDocument, authenticated: boolean): HttpReply => ({
    status: doc.status === 'fail' ? 503 : 200,
    body: JSON.stringify(authenticated ? doc : summaryOf(doc)),
    contentType: HEALTH_CONTENT_TYPE,
  });

  const serve = async (view: View, ctx: HttpContext): Promise<HttpReply> => {
    let headers: Record<string, string> | undefined;
    // Only callers who may see details may force a run; the runner rate-limits them as well.
    if (flag(ctx, 'fresh') && ctx.authenticated) {
      const ran = await runner.refresh(FILTERS[view]);
      headers = { 'x-health-fresh': ran ? 'ran' : 'rate-limited' };
    }
    const key = `${runner.version}:${source.phase()}`;
    const slot = `${view}:${ctx.authenticated}`;
    let hit = cache.get(slot);
    if (!hit || hit.key !== key) {
      const r = reply(build(view), ctx.authenticated) as { status: number; body: string };
      hit = { key, status: r.status, text: r.body };
      cache.set(slot, hit);
    }
    return {
      status: hit.status,
      body: hit.text,
      contentType: HEALTH_CONTENT_TYPE,
      ...(headers ? { headers } : {}),
    };
  };

  const startup = (ctx: HttpContext): HttpReply => {
    const ok = source.started();
    const doc = healthDocument(
      source.nodeId,
      { 'daemon:started': [{ componentType: 'component', observedValue: ok, status: ok ? 'pass' : 'fail' }] },
      DESCRIPTIONS.startup,
    );
    return reply(doc, ctx.authenticated);
  };

  const cluster = (ctx: HttpContext): HttpReply => {
    const entries: HealthCheckEntry[] = source
      .cluster()
      .members()
      .map((m) => ({
        componentId: m.nodeId,
        componentType: 'node',
        observedValue: m.state,
        status:
          m.state === 'dead'
            ? 'fail'
            : m.state === 'suspect' || m.status === 'warn'
              ? 'warn'
              : m.status === 'fail'
                ? 'fail'
                : 'pass',
        output: `${m.address}${m.self ? ' (this node)' : ''}${m.lastSeenMs === null ? '' : `, seen ${Math.round(m.lastSeenMs)} ms ago`}; health ${m.status ?? 'unknown'}`,
      }));
    const doc = healthDocument(source.nodeId, { 'cluster:member': entries }, DESCRIPTIONS.cluster);
    // A dead peer degrades the cluster but is no reason to take this node's endpoint to 503.
    const status = doc.status === 'fail' && entries.some((e) => e.status !== 'fail') ? 'warn' : doc.status;
    return reply({ ...doc, status }, ctx.authenticated);
  };

  const get = (path: string, handle: HttpRoute['handle']): HttpRoute => ({
    method: 'GET',
    path,
    auth: 'public',
    handle,
  });
  return [
    get(HEALTH_PATHS.live, (ctx) => serve('live', ctx)),
    get(HEALTH_LIVE_ALIAS, (ctx) => serve('live', ctx)),
    get(HEALTH_PATHS.ready, (ctx) => serve('ready', ctx)),
    get(HEALTH_PATHS.startup, startup),
    get(HEALTH_PATHS.deep, (ctx) => serve('deep', ctx)),
    get(HEALTH_PATHS.cluster, cluster),
  ];
}
