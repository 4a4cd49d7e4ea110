import { z } from 'zod';

/** IETF health-check draft status; pass and warn answer 200, fail answers 503. */
export const healthStatusSchema = z.enum(['pass', 'warn', 'fail']);
export type HealthStatus = z.infer<typeof healthStatusSchema>;

/** One measurement inside `checks["component:measurement"]`. */
export const healthCheckEntrySchema = z.object({
  /** Which instance of the component (node id, database name). */
  componentId: z.string().optional(),
  /** Kind of component: system, datastore, component. */
  componentType: z.string().optional(),
  /** The number measured. */
  observedValue: z.union([z.number(), z.string(), z.boolean()]).optional(),
  /** Unit of observedValue (ms, bytes, percent, count). */
  observedUnit: z.string().optional(),
  /** Status of this measurement. */
  status: healthStatusSchema,
  /** When it was measured (ISO 8601). */
  time: z.string().optional(),
  /** Why it warns or fails. */
  output: z.string().optional(),
});
export type HealthCheckEntry = z.infer<typeof healthCheckEntrySchema>;

/** A full `application/health+json` document. */
export const healthDocumentSchema = z.object({
  /** Overall status. */
  status: healthStatusSchema,
  /** API version of the service. */
  version: z.string().optional(),
  /** Build/release id. */
  releaseId: z.string().optional(),
  /** The service. */
  serviceId: z.string().optional(),
  /** Human summary. */
  description: z.string().optional(),
  /** Why the overall status is what it is. */
  output: z.string().optional(),
  /** Per-check details, keyed `component:measurement`. */
  checks: z.record(z.string(), z.array(healthCheckEntrySchema)).optional(),
});
export type HealthDocument = z.infer<typeof healthDocumentSchema>;

export const HEALTH_CONTENT_TYPE = 'application/health+json';

/** Worst of several statuses. */
export function worstStatus(statuses: Iterable<HealthStatus>): HealthStatus {
  let worst: HealthStatus = 'pass';
  for (const s of statuses) {
    if (s === 'fail') return 'fail';
    if (s === 'warn') worst = 'warn';
  }
  return worst;
}

/** One check changing status: what an alert receives and the `health` topic pushes as a change. */
export interface HealthChange {
  /** Node that saw the change. */
  node_id: string;
  /** Check name. */
  check: string;
  /** Status before. */
  from: HealthStatus | null;
  /** Status now. */
  to: HealthStatus;
  /** Which probe the check affects. */
  affects: string;
  /** Observed value. */
  observed_value: unknown;
  /** Unit. */
  observed_unit: string | null;
  /** Why. */
  output: string | null;
  /** When (ISO 8601). */
  time: string;
}
