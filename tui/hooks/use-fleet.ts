import { useSyncExternalStore } from 'react';
import type { FleetConnection } from '../fleet/connection.js';
import type { FleetSnapshot } from '../fleet/fleet-state.js';

/** The live fleet state; re-renders on every pushed change (coalesced per tick by the store). */
export function useFleet(connection: FleetConnection): FleetSnapshot {
  return useSyncExternalStore(connection.store.subscribe, connection.store.getSnapshot);
}
