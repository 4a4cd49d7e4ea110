import type { FleetSnapshot } from '../fleet/fleet-state.js';
import type { Row, TableModel } from './table-model.js';

function clock(at: number): string {
  return new Date(at).toISOString().slice(11, 19);
}

/** The append-only stream (task state changes, health changes, link changes), newest first. */
export function eventsModel(fleet: FleetSnapshot): TableModel {
  const rows: Row[] = [];
  for (let i = fleet.events.length - 1; i >= 0; i--) {
    const e = fleet.events[i]!;
    rows.push({
      id: String(e.seq),
      cells: [clock(e.at), e.kind, e.text],
      tone: e.level === 'info' ? undefined : e.level,
      toneCell: 2,
    });
  }
  return {
    columns: [
      { title: 'TIME', width: 8 },
      { title: 'KIND', width: 6 },
      { title: 'EVENT', width: 0 },
    ],
    rows,
    empty: 'no events yet',
  };
}
