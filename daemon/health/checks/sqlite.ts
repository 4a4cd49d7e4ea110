import type { SqliteDiagnostics } from '../../store/facets.js';
import type { HealthCheck } from '../types.js';

/** The embedded store: integrity and WAL growth (free disk is system:disk-free). */
export function sqliteChecks(db: SqliteDiagnostics): HealthCheck[] {
  return [
    {
      name: 'sqlite:quick-check',
      componentType: 'datastore',
      componentId: db.fileName,
      affects: 'none',
      group: 'deep',
      // quick_check reads every page on the event loop; quarter-hourly keeps it off the hot path.
      schedule: '0 */15 * * * *',
      timeoutMs: 30_000,
      run: async () => {
        const problems = db.quickCheck();
        return {
          observedValue: problems.length,
          observedUnit: 'count',
          status: problems.length > 0 ? 'fail' : 'pass',
          output: problems.length > 0 ? problems.join('; ') : `${db.databaseSizeBytes()} bytes checked`,
        };
      },
    },
    {
      name: 'sqlite:wal-size',
      componentType: 'datastore',
      componentId: db.fileName,
      affects: 'none',
      group: 'fast',
      // A WAL that keeps growing means checkpoints cannot finish (a long reader holds them back).
      thresholds: { warn: 256 * 1024 * 1024, fail: 2 * 1024 * 1024 * 1024 },
      run: async () => ({ observedValue: db.walSizeBytes(), observedUnit: 'bytes' }),
    },
  ];
}
