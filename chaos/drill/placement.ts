import { ChaosError } from '../errors.js';
import type { Scenario } from '../scenario/schema.js';
import { faultSteps } from './steps.js';

/** A step that stops or kills a daemon: its host cannot be the controller, which must revert and report. */
function takesDaemonDown(scenario: Scenario): boolean {
  return faultSteps(scenario.steps).some(
    (s) =>
      (s.fault.kind === 'process-kill' || s.fault.kind === 'process-pause') && 'daemon' in s.fault.target,
  );
}

function shuffled<T>(items: T[], rng: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/**
 * The blast radius: which nodes host the scenario's faults. `scope.nodes` (a count or a percent of
 * the alive members) of the members not in `scope.protected`. The controller comes first, so a
 * one-node drill faults the node it runs on, except when a step takes a daemon down (node-kill,
 * node-pause): then only peers, chosen at random, so a drill never takes down every node.
 */
export function placeFaults(
  scenario: Scenario,
  self: string,
  alive: string[],
  rng: () => number = Math.random,
): string[] {
  const limit = scenario.scope.nodes;
  const allowed =
    typeof limit === 'number' ? limit : Math.ceil((Number.parseInt(limit, 10) / 100) * alive.length);
  if (allowed < 1)
    throw new ChaosError('refused', `scope.nodes: ${limit} of ${alive.length} nodes is no node`, {
      field: 'scope.nodes',
    });
  const open = alive.filter((id) => !scenario.scope.protected.includes(id));
  const peers = shuffled(
    open.filter((id) => id !== self),
    rng,
  );
  const pool = takesDaemonDown(scenario) ? peers : [...open.filter((id) => id === self), ...peers];
  if (pool.length === 0)
    throw new ChaosError(
      'refused',
      takesDaemonDown(scenario)
        ? `scope: ${scenario.name} takes a daemon down and needs a peer that is alive and not protected`
        : `scope.protected: every node of the drill (${alive.join(', ')}) is protected`,
      { field: 'scope.protected' },
    );
  return pool.slice(0, allowed);
}
