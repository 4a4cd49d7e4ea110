import { plural } from '../../../shared/plural.js';
import type { StoreLinkView } from '../../runtime/module.js';
import type { StoreDiagnostics, TaskStore } from '../../store/facets.js';
import type { HealthCheck } from '../types.js';

/** Checks every store has: reachable and migrated (readiness), migrations current, queue age. */
export function storeChecks(
  diagnostics: StoreDiagnostics,
  tasks: Pick<TaskStore, 'oldestQueuedAgeMs'>,
  link: StoreLinkView,
): HealthCheck[] {
  const componentId = diagnostics.description;
  return [
    {
      name: 'store:ready',
      componentType: 'datastore',
      componentId,
      affects: 'ready',
      group: 'fast',
      // The link pings every 2 s and is the source of truth; the check only reports it, at once.
      failuresBeforeFail: 1,
      successesBeforePass: 1,
      run: async () => {
        const s = link.state;
        return {
          observedValue: s.latencyMs === null ? false : Math.round(s.latencyMs * 100) / 100,
          observedUnit: 'ms',
          status: link.ready ? 'pass' : 'fail',
          ...(s.error ? { output: s.error } : {}),
        };
      },
    },
    {
      name: 'store:migrations',
      componentType: 'datastore',
      componentId,
      affects: 'none',
      group: 'deep',
      // Reading the history takes the migration lock; every five minutes is plenty for drift.
      schedule: '0 */5 * * * *',
      run: async () => {
        const rows = await link.migrationStatus();
        const pending = rows.filter((r) => r.state === 'pending').length;
        const broken = rows.filter((r) => r.state !== 'pending' && r.state !== 'applied');
        const latest = rows.filter((r) => r.state === 'applied').reduce((m, r) => Math.max(m, r.version), 0);
        if (broken.length > 0)
          return {
            observedValue: latest,
            observedUnit: 'version',
            status: 'fail',
            output: broken.map((r) => `${r.version} ${r.name}: ${r.state}`).join('; '),
          };
        return {
          observedValue: latest,
          observedUnit: 'version',
          status: pending > 0 ? 'warn' : 'pass',
          ...(pending > 0 ? { output: `${plural(pending, 'migration')} pending` } : {}),
        };
      },
    },
    {
      name: 'tasks:queue-age',
      componentType: 'component',
      affects: 'none',
      group: 'deep',
      // Work waiting this long means no node is claiming (all busy, or none up with the profile).
      thresholds: { warn: 5 * 60_000, fail: 30 * 60_000 },
      run: async () => ({ observedValue: await tasks.oldestQueuedAgeMs(), observedUnit: 'ms' }),
    },
  ];
}
