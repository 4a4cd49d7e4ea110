import type { Command } from 'commander';
import { AidosClient } from '../../shared/client/client.js';
import type { ClusterNode } from '../../shared/cluster.js';
import { plural } from '../../shared/plural.js';
import { addClientFlags, type ClientFlagValues, clientOptions } from './client-flags.js';
import { formatTime } from './format.js';
import { examples } from './help.js';
import { printJson, table } from './output.js';
import { registerNodeDrain } from './pool-commands.js';

const ago = (ms: number | null) =>
  ms === null ? null : `${Math.max(0, Math.round((Date.now() - ms) / 1000))}s`;
const percent = (fraction: number) => `${Math.round(fraction * 100)}%`;

/** One member as a row under NODE_HEADERS (`aidos node list`, and `aidos status` on a cluster). */
export function nodeRow(n: ClusterNode): (string | number | null)[] {
  return [
    n.self ? `${n.id}*` : n.id,
    n.address,
    n.state,
    n.incarnation,
    n.roles.join(',') || null,
    `${n.slots.free}/${n.slots.total}`,
    `${percent(n.load.cpu)} ${percent(n.load.memory)} ${n.load.agents}`,
    n.health,
    n.drain ? 'yes' : 'no',
    ago(n.last_seen),
  ];
}

/** The columns of a member row. */
export const NODE_HEADERS = [
  'ID',
  'ADDRESS',
  'STATE',
  'INC',
  'ROLES',
  'SLOTS',
  'CPU MEM AGENTS',
  'HEALTH',
  'DRAIN',
  'SEEN',
];

/** `aidos node list|show`: the cluster as the daemon at --url sees it. */
export function registerNodeCommand(program: Command): void {
  const node = program.command('node').description('cluster members as a running daemon sees them');
  addClientFlags(
    node.command('list').description('every member: state, incarnation, roles, slots, load, health'),
  ).action(async (flags: ClientFlagValues) => {
    const { nodes } = await new AidosClient(clientOptions(flags)).listNodes();
    if (flags.json) printJson(nodes);
    else process.stdout.write(`${table(NODE_HEADERS, nodes.map(nodeRow))}\n`);
  });
  addClientFlags(node.command('show <id>').description('one member in full')).action(
    async (id: string, flags: ClientFlagValues) => {
      const { node: n } = await new AidosClient(clientOptions(flags)).showNode(id);
      if (flags.json) printJson(n);
      else {
        const fields: [string, unknown][] = [
          ['id', n.id],
          ['address', n.address],
          ['state', `${n.state} (since ${formatTime(n.state_since)})`],
          ['incarnation', n.incarnation],
          ['version', n.version],
          ['roles', n.roles.join(', ')],
          ['slots', `${n.slots.free} free of ${n.slots.total}`],
          [
            'load',
            `cpu ${percent(n.load.cpu)}, memory ${percent(n.load.memory)}, ${plural(n.load.agents, 'agent')}`,
          ],
          ['health', n.health],
          ['drain', n.drain],
          ['store', n.store_identity],
          ['last seen', n.self ? '(this node)' : (ago(n.last_seen) ?? 'never')],
        ];
        process.stdout.write(
          `${table(
            ['FIELD', 'VALUE'],
            fields.map(([k, v]) => [k, v === null ? null : String(v)]),
          )}\n`,
        );
      }
    },
  );
  for (const sub of node.commands)
    examples(
      sub,
      sub.name() === 'list' ? ['aidos node list', 'aidos node list --json'] : ['aidos node show node-b'],
    );
  examples(node, ['aidos node list', 'aidos node show node-b --json', 'aidos node drain node-b --move']);
  registerNodeDrain(node);
}
