import { type HealthCheckEntry, type HealthDocument, worstStatus } from '../../shared/health.js';
import { VERSION } from '../version.js';
import type { CheckResult, ResolvedCheck } from './types.js';

function rounded(value: Exclude<CheckResult['observation']['observedValue'], undefined>) {
  return typeof value === 'number' ? Math.round(value * 100) / 100 : value;
}

/**
 * The IETF entry of one check from its latest result. A check that has not run yet is reported with
 * `missing` (fail for readiness, so a node is not put in rotation before it has looked at itself).
 */
export function entryOf(
  check: ResolvedCheck,
  result: CheckResult | undefined,
  missing: HealthCheckEntry['status'],
): HealthCheckEntry {
  const componentId = result?.observation.componentId ?? check.componentId;
  const base = {
    ...(componentId ? { componentId } : {}),
    componentType: check.componentType,
  };
  if (!result) return { ...base, status: missing, output: 'not checked yet' };
  const o = result.observation;
  return {
    ...base,
    ...(o.observedValue === undefined ? {} : { observedValue: rounded(o.observedValue) }),
    ...(o.observedUnit ? { observedUnit: o.observedUnit } : {}),
    status: result.status,
    time: new Date(result.at).toISOString(),
    ...(o.output ? { output: o.output } : {}),
  };
}

/** A full document; the overall status is the worst entry's. */
export function healthDocument(
  serviceId: string,
  checks: Record<string, HealthCheckEntry[]>,
  description: string,
): HealthDocument {
  const entries = Object.entries(checks);
  const status = worstStatus(entries.flatMap(([, list]) => list.map((e) => e.status)));
  const bad = entries.flatMap(([name, list]) =>
    list
      .filter((e) => e.status !== 'pass')
      .map((e) => `${name} ${e.status}${e.output ? ` (${e.output})` : ''}`),
  );
  return {
    status,
    version: '1',
    releaseId: VERSION,
    serviceId,
    description,
    ...(bad.length ? { output: bad.join('; ') } : {}),
    checks,
  };
}

/** What a caller without a token sees when tokens are configured: the verdict only. */
export function summaryOf(doc: HealthDocument): HealthDocument {
  return { status: doc.status, version: doc.version, serviceId: doc.serviceId };
}
