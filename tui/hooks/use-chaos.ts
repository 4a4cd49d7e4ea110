import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { ChaosRunSummary, ChaosScenarioSummary, ChaosStatus } from '../../shared/api/chaos.js';
import { applyChaosFrame, type DrillProgress, EMPTY_FEED } from '../fleet/chaos-feed.js';
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
  /** The running drill's progress as pushed (phase, samples, last health). */
  progress: DrillProgress | null;
  /** Why the last read failed, if it did. */
  error: string | null;
  /** Reads the scenario library again. */
  refresh(): void;
}

/**
 * While `active` (the Chaos view is shown): follows the daemon's `chaos` topic — the status and the
 * drills first, then every fault injected or reverted and every step of a drill, pushed — and
 * reads the scenario library with chaos.list on each (re)attach. Nothing polls.
 */
export function useChaos(connection: FleetConnection, active: boolean): ChaosData {
  const [feed, setFeed] = useState(EMPTY_FEED);
  const [library, setLibrary] = useState<{ enabled: boolean | null; scenarios: ChaosScenarioSummary[] }>({
    enabled: null,
    scenarios: [],
  });
  const [error, setError] = useState<string | null>(null);
  const alive = useRef(true);
  const refresh = useCallback(() => {
    connection.call('chaos.list', {}).then(
      (list) => {
        if (alive.current) setLibrary({ enabled: list.enabled, scenarios: list.scenarios });
      },
      (e: Error) => {
        if (alive.current) setError(e.message);
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
    if (!active) return;
    return connection.followChaos(
      (frame) => {
        if (!alive.current) return;
        setFeed((f) => applyChaosFrame(f, frame));
        if (frame.kind === 'snapshot') {
          setError(null);
          refresh();
        }
      },
      (reason) => {
        if (alive.current) setError(reason);
      },
    );
  }, [active, connection, refresh]);
  // One object per pushed frame, so the views' memoised rows are rebuilt on data, not on every keypress.
  // Shown once the library is read too, so the view appears whole and what `x` offers matches it.
  const ready = library.enabled !== null;
  return useMemo(
    () => ({
      enabled: library.enabled,
      scenarios: library.scenarios,
      runs: ready ? feed.runs : [],
      status: ready ? feed.status : null,
      progress: ready ? feed.progress : null,
      error,
      refresh,
    }),
    [library, ready, feed, error, refresh],
  );
}
