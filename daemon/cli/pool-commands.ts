import type { Command } from 'commander';
import type { NodeDrainState } from '../../shared/api/pool.js';
import { AidosClient } from '../../shared/client/client.js';
import { formatDuration } from '../../shared/duration.js';
import { addClientFlags, type ClientFlagValues, clientOptions, durationArg } from './client-flags.js';
import { examples } from './help.js';
import { printJson } from './output.js';

function drainLine(d: NodeDrainState): string {
  if (!d.draining) return `${d.node_id} claims again (${d.running.length} running)`;
  const left =
    d.deadline_at === null ? '' : `, deadline in ${formatDuration(Math.max(0, d.deadline_at - Date.now()))}`;
  const how = d.move ? 'moving its running tasks' : 'letting its running tasks finish';
  return `${d.node_id} drained: claims nothing new, ${how} (${d.running.length} running${left})`;
}

/** `aidos node drain|undrain`: stop (or resume) claiming on a node, from any node of the cluster. */
export function registerNodeDrain(node: Command): void {
  const drain = node
    .command('drain <id>')
    .description('stop a node claiming; its running tasks finish, or move (--move), by the deadline')
    .option(
      '--deadline <duration>',
      'when tasks still running there are moved (default 10m)',
      durationArg('--deadline'),
    )
    .option('--move', 'move its running tasks to other nodes now');
  examples(addClientFlags(drain), [
    'aidos node drain node-b',
    'aidos node drain node-b --deadline 30m',
    'aidos node drain node-b --move',
  ]).action(async (id: string, flags: ClientFlagValues & { deadline?: number; move?: boolean }) => {
    const { drain: d } = await new AidosClient(clientOptions(flags)).drainNode(id, {
      ...(flags.deadline !== undefined ? { deadline: `${flags.deadline}ms` } : {}),
      ...(flags.move ? { move: true } : {}),
    });
    if (flags.json) printJson(d);
    else process.stdout.write(`${drainLine(d)}\n`);
  });
  const undrain = node.command('undrain <id>').description('let a drained node claim tasks again');
  examples(addClientFlags(undrain), ['aidos node undrain node-b']).action(
    async (id: string, flags: ClientFlagValues) => {
      const { drain: d } = await new AidosClient(clientOptions(flags)).undrainNode(id);
      if (flags.json) printJson(d);
      else process.stdout.write(`${drainLine(d)}\n`);
    },
  );
}

/** `aidos task move <task> <node>`: run a task on another node. */
export function registerTaskMove(task: Command): void {
  const cmd = task
    .command('move <task> <node>')
    .description(
      'run a task on another node: a queued one is retargeted, a running one stops here and starts there',
    );
  examples(addClientFlags(cmd), [
    'aidos task move t_01jabc node-c',
    'aidos task move t_01jabc node-c --json',
  ]).action(async (id: string, target: string, flags: ClientFlagValues) => {
    const { task: t, outcome } = await new AidosClient(clientOptions(flags)).moveTask(id, target);
    if (flags.json) printJson({ task: t, outcome });
    else
      process.stdout.write(
        outcome === 'retargeted'
          ? `${t.id} queued for node ${target}\n`
          : `${t.id} moving: stops on node ${t.node_id} first, then starts on node ${target}\n`,
      );
  });
}
