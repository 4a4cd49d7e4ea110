import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { ChaosRunSummary, ChaosScenarioSummary, ChaosStatus } from '../../shared/api/chaos.js';
import type { FleetConnection } from '../fleet/connection.js';

/** What the Chaos view shows: the library, past drills and the faults in force on the attached node. */
export interface ChaosData {
  /** chaos.enabled on the attached node (null until the first answer). */
  enabled: boolean | null;
  /** The scenario library. */
  scenarios: ChaosScenarioSummary[];
  /** Past and running drills, newest first. */
  runs: ChaosRunSummary[];
  /** Faults in force and the running drill (null until the first answer). */
  status: ChaosStatus | null;
  /** Why the last read failed, if it did. */
  error: string | null;
  /** Reads chaos.list and chaos.status again (after an action, on entering the view). */
  refresh(): void;
}

/** While a drill runs, a fault is in force or a read failed, how often it is re-read (the daemon pushes no chaos topic yet). */
const BUSY_REFRESH_MS = 2000;

/** Reads the chaos operations while `active` (the Chaos view is shown); idle otherwise. */
export function useChaos(connection: FleetConnection, active: boolean): ChaosData {
  const [data, setData] = useState<Omit<ChaosData, 'refresh'>>({
    enabled: null,
    scenarios: [],
    runs: [],
    status: null,
    error: null,
  });
  const alive = useRef(true);
  const refresh = useCallback(() => {
    Promise.all([connection.call('chaos.list', {}), connection.call('chaos.status', {})]).then(
      ([list, status]) => {
        if (alive.current)
          setData({ enabled: list.enabled, scenarios: list.scenarios, runs: list.runs, status, error: null });
      },
      (error: Error) => {
        if (alive.current) setData((d) => ({ ...d, error: error.message }));
      },
    );
  }, [connection]);
  useEffect(() => {
    alive.current = true;
    return () => {
      alive.current = false;
    };
  }, []);
  useEffect(() => {
    if (active) refresh();
  }, [active, refresh]);
  const busy = !!data.status && (data.status.drill !== null || data.status.active_faults.length > 0);
  useEffect(() => {
    // A failed read (not connected yet, a restart) is retried at the same pace.
    if (!active || !(busy || data.error)) return;
    const timer = setInterval(refresh, BUSY_REFRESH_MS);
    return () => clearInterval(timer);
  }, [active, busy, data.error, refresh]);
  // One object per answer, so the views' memoised rows are rebuilt on data, not on every keypress.
  return useMemo(() => ({ ...data, refresh }), [data, refresh]);
}
