import { useCallback, useRef, useSyncExternalStore } from 'react';
import { nodesSummary } from '../components/Header.js';
import type { FleetConnection } from '../fleet/connection.js';
import type { FleetSnapshot } from '../fleet/fleet-state.js';
import type { ViewName } from '../keys/actions.js';

/** Whether `next` differs from `prev` only in nodes the header sums up the same. */
function onlyUnseenNodes(prev: FleetSnapshot, next: FleetSnapshot): boolean {
  for (const key of Object.keys(next) as (keyof FleetSnapshot)[])
    if (key !== 'nodes' && prev[key] !== next[key]) return false;
  const a = nodesSummary(prev);
  const b = nodesSummary(next);
  return a.alive === b.alive && a.total === b.total && a.worst === b.worst;
}

/**
 * The live fleet state; re-renders on every pushed change (coalesced per tick by the store),
 * except that the Tasks view is not redrawn for a change of the nodes alone that leaves its header
 * as it was (gossip changes a member's load all the time; the frame would be the same).
 */
export function useFleet(connection: FleetConnection, view?: ViewName): FleetSnapshot {
  const shown = useRef<FleetSnapshot | null>(null);
  const get = useCallback(() => {
    const next = connection.store.getSnapshot();
    const prev = shown.current;
    if (view === 'tasks' && prev && prev !== next && onlyUnseenNodes(prev, next)) return prev;
    shown.current = next;
    return next;
  }, [connection, view]);
  return useSyncExternalStore(connection.store.subscribe, get);
}
