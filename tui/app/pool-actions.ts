import type { FleetConnection } from '../fleet/connection.js';
import type { NodeRow } from '../fleet/node-row.js';
import type { Mode } from './ui-state.js';

/** Nodes a task can be moved to: alive workers that are not draining, other than where it is. */
export function moveTargets(nodes: readonly NodeRow[], from: string | null): string[] {
  return nodes
    .filter((n) => n.state === 'alive' && !n.draining && n.id !== from)
    .filter((n) => n.roles.length === 0 || n.roles.includes('worker'))
    .map((n) => n.id);
}

/** The confirmation of moving `taskId` to `node`, naming both. */
export function confirmMove(connection: FleetConnection, taskId: string, node: string): Mode {
  return {
    kind: 'confirm',
    question: `move task ${taskId} to node ${node}? (y/n)`,
    run: async () => {
      const r = await connection.call('task.move', { id: taskId, node });
      // A running task is stopped by the node that runs it, which may not be the attached one.
      const stopping = `is stopping on ${r.task.node_id ?? 'its node'} to run`;
      return `move: ${taskId} ${r.outcome === 'moving' ? stopping : 'will run'} on ${node}`;
    },
  };
}

/** `m`: pick the node from a list, then confirm; or a message when there is nowhere to go. */
export function moveMode(
  connection: FleetConnection,
  taskId: string,
  nodes: readonly NodeRow[],
  from: string | null,
): Mode | string {
  const options = moveTargets(nodes, from);
  if (!options.length) return `move: no other alive, undrained worker to move ${taskId} to`;
  return {
    kind: 'pick',
    title: `move ${taskId} to`,
    options,
    index: 0,
    choose: (node) => confirmMove(connection, taskId, node),
  };
}

/** The confirmation of draining (or undraining) `node`, naming it. */
export function confirmDrain(connection: FleetConnection, node: string, drain: boolean): Mode {
  return {
    kind: 'confirm',
    question: drain
      ? `drain node ${node} (it stops claiming; its running tasks finish within 10m)? (y/n)`
      : `undrain node ${node} (it claims tasks again)? (y/n)`,
    run: async () => {
      const r = await connection.call(drain ? 'node.drain' : 'node.undrain', { id: node });
      const left = r.drain.running.length;
      return drain
        ? `drain: ${node} is draining${left ? `, ${left} task${left === 1 ? '' : 's'} still running` : ''}`
        : `undrain: ${node} claims again`;
    },
  };
}

/** The footer line of the pick mode: a window of the choices around the highlighted one. */
export function pickLine(mode: Extract<Mode, { kind: 'pick' }>, width: number): string {
  const help = '   (←/→ or j/k, enter picks, esc cancels)';
  const items = mode.options.map((o, i) => (i === mode.index ? `[${o}]` : o));
  const room = width - mode.title.length - help.length - 8;
  const len = (a: number, b: number) => items.slice(a, b).join(' ').length;
  let from = mode.index;
  let to = mode.index + 1;
  for (;;) {
    if (to < items.length && len(from, to + 1) <= room) to++;
    else if (from > 0 && len(from - 1, to) <= room) from--;
    else break;
  }
  return `${mode.title}: ${from > 0 ? '… ' : ''}${items.slice(from, to).join(' ')}${to < items.length ? ' …' : ''}${help}`;
}
