import type { Command } from 'commander';
import type { StatusReply } from '../../shared/api/operator.js';
import { AidosClient } from '../../shared/client/client.js';
import type { ClusterNode } from '../../shared/cluster.js';
import { formatDuration } from '../../shared/duration.js';
import type { HealthDocument } from '../../shared/health.js';
import { plural } from '../../shared/plural.js';
import { addClientFlags, type ClientFlagValues, clientOptions } from './client-flags.js';
import { formatBytes } from './format.js';
import { fetchHealth } from './health-command.js';
import { examples } from './help.js';
import { NODE_HEADERS, nodeRow } from './node-command.js';
import { printJson, table } from './output.js';

/** Members of a cluster health document, when there is more than this node. */
function clusterLines(doc: HealthDocument | undefined): string[] {
  const entries = Object.values(doc?.checks ?? {}).flat();
  const members = new Set(entries.map((e) => e.componentId).filter(Boolean));
  if (!doc || members.size < 2) return [];
  return [
    `cluster: ${doc.status.toUpperCase()}, ${plural(members.size, 'member')}${doc.output ? ` (${doc.output})` : ''}`,
  ];
}

/** The human view of `aidos status`. */
export function renderStatus(
  status: StatusReply,
  ready: HealthDocument | undefined,
  cluster: HealthDocument | undefined,
  nodes: ClusterNode[] = [],
  now = Date.now(),
): string {
  const n = status.node;
  const readiness = ready ? ready.status.toUpperCase() : 'unknown';
  const head =
    `${n.node_id} ${n.version}: ${n.phase}, up ${formatDuration(now - n.started_at)}, ` +
    `store ${n.store} ${n.store_ready ? 'ready' : 'DOWN'}, readiness ${readiness}, ` +
    `${n.free_slots}/${n.slots} slots free`;
  const rows = status.processes.map((p) => {
    const uptime = p.started_at ? now - p.started_at : null;
    const cpu = p.cpu_ms !== null && uptime ? `${((100 * p.cpu_ms) / uptime).toFixed(1)}%` : null;
    return [
      p.kind,
      p.name,
      p.task_id,
      p.state,
      p.pid,
      uptime === null ? null : formatDuration(uptime),
      cpu,
      formatBytes(p.rss_bytes),
      p.restarts,
    ];
  });
  const lines = [head, `listening on ${n.address}, roles ${n.roles.join(',')}`, ...clusterLines(cluster)];
  // Clustered: every member as `aidos node list` shows it, so one command is the pm2 ls of the fleet.
  if (nodes.length > 1) lines.push('', table(NODE_HEADERS, nodes.map(nodeRow)));
  lines.push(
    '',
    rows.length
      ? table(['KIND', 'NAME', 'TASK', 'STATE', 'PID', 'UPTIME', 'CPU', 'RSS', 'RESTARTS'], rows)
      : '(no services or agents running)',
  );
  return lines.join('\n');
}

/** `aidos status`: the daemon, its store and readiness, and every service and agent process. */
export function registerStatusCommand(program: Command): void {
  const cmd = program
    .command('status')
    .description('show this daemon (version, uptime, store, readiness) and its services and agents');
  examples(addClientFlags(cmd), ['aidos status', 'aidos status --url http://10.0.0.11:7420 --json']).action(
    async (flags: ClientFlagValues) => {
      const options = clientOptions(flags);
      const client = new AidosClient(options);
      const status = await client.status();
      const [ready, cluster, nodes] = await Promise.all([
        fetchHealth({ ...flags, ready: true }),
        fetchHealth({ ...flags, cluster: true }),
        client.listNodes().then(
          (r) => r.nodes,
          () => [],
        ),
      ]);
      const readyDoc = 'doc' in ready ? ready.doc : undefined;
      const clusterDoc = 'doc' in cluster ? cluster.doc : undefined;
      if (flags.json)
        return printJson({ ...status, ready: readyDoc ?? null, cluster: clusterDoc ?? null, nodes });
      process.stdout.write(`${renderStatus(status, readyDoc, clusterDoc, nodes)}\n`);
    },
  );
}
