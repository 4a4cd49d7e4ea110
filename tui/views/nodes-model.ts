import type { FleetSnapshot } from '../fleet/fleet-state.js';
import { bytes } from './format.js';
import type { TableModel } from './table-model.js';

/** Members: id, state, roles, slots used/total, CPU, memory, health, drain flag, address. */
export function nodesModel(fleet: FleetSnapshot): TableModel {
  return {
    columns: [
      { title: 'NODE', width: 14 },
      { title: 'STATE', width: 9 },
      { title: 'ROLES', width: 11 },
      { title: 'SLOTS', width: 7 },
      { title: 'CPU', width: 5 },
      { title: 'MEM', width: 6 },
      { title: 'HEALTH', width: 6 },
      { title: 'DRAIN', width: 5 },
      { title: 'ADDRESS', width: 0 },
    ],
    rows: fleet.nodes.map((n) => ({
      id: n.id,
      cells: [
        `${n.attached ? '*' : ''}${n.id}`,
        n.state,
        n.roles.join(',') || '-',
        n.slots === null ? '-' : `${n.used ?? '?'}/${n.slots}`,
        n.cpu === null ? '-' : `${Math.round(n.cpu)}%`,
        n.memory !== null ? `${Math.round(n.memory)}%` : bytes(n.rss),
        n.health ?? '-',
        n.draining ? 'yes' : '',
        n.address,
      ],
      tone: n.state,
      toneCell: 1,
    })),
    empty: fleet.link === 'live' ? 'no members reported' : 'waiting for the daemon…',
  };
}
