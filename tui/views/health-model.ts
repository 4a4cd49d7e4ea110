import type { FleetSnapshot } from '../fleet/fleet-state.js';
import { sparkline } from './format.js';
import type { TableModel } from './table-model.js';

const RANK: Record<string, number> = { fail: 0, warn: 1, pass: 2 };

/** Every check, worst first, with its status history since attach as a sparkline. */
export function healthModel(fleet: FleetSnapshot): TableModel {
  const checks = [...fleet.checks.values()].sort(
    (a, b) => (RANK[a.status] ?? 3) - (RANK[b.status] ?? 3) || a.name.localeCompare(b.name),
  );
  return {
    columns: [
      { title: 'CHECK', width: 28 },
      { title: 'STATUS', width: 6 },
      { title: 'HISTORY', width: 20 },
      { title: 'OBSERVED', width: 12 },
      { title: 'OUTPUT', width: 0 },
    ],
    rows: checks.map((c) => ({
      id: c.name,
      cells: [c.name, c.status, sparkline(c.history, 20), c.observed, c.output],
      tone: c.status,
      toneCell: 1,
    })),
    empty: 'no health results yet',
  };
}
