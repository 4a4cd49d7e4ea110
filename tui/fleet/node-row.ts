import { clusterNodeSchema } from '../../shared/cluster.js';
import type { HealthStatus } from '../../shared/health.js';
import type { NodeInfo } from '../../shared/protocol.js';

/** One member as the Nodes view shows it; a `nodes` topic frame or node.info fills it. */
export interface NodeRow {
  /** Node id. */
  id: string;
  /** host:port it serves clients on. */
  address: string;
  /** alive, suspect, dead, left (gossip), or the daemon's phase when there is no gossip. */
  state: string;
  /** Roles it takes (api, worker). */
  roles: string[];
  /** Agent slots in total. */
  slots: number | null;
  /** Agent slots in use. */
  used: number | null;
  /** CPU use in percent, when reported. */
  cpu: number | null;
  /** Resident memory of its daemon in bytes, when reported (single node). */
  rss: number | null;
  /** Memory used on its host in percent, when reported (gossip). */
  memory: number | null;
  /** Its worst health status, when known. */
  health: HealthStatus | null;
  /** Not taking new tasks. */
  draining: boolean;
  /** Long-lived agent services on it. */
  services: NodeInfo['services'];
  /** Ids of the tasks it runs. */
  running: string[];
  /** The daemon this TUI is attached to. */
  attached: boolean;
}

/** What the attached daemon's own health checks measure about its host. */
export interface HostMeasures {
  /** Worst health status. */
  health: HealthStatus | null;
  /** system:cpu-load, percent. */
  cpu: number | null;
  /** process:rss, bytes. */
  rss: number | null;
}

/** The row of the attached daemon from its node.info and health checks (the single-node view, before gossip). */
export function nodeRowFromInfo(info: NodeInfo, host: HostMeasures): NodeRow {
  return {
    id: info.node_id,
    address: info.address,
    state: info.phase === 'running' ? 'alive' : info.phase,
    roles: info.roles,
    slots: info.slots,
    used: info.slots - info.free_slots,
    cpu: host.cpu,
    rss: host.rss,
    memory: null,
    health: host.health,
    draining: info.phase === 'draining',
    services: info.services,
    running: info.running,
    attached: true,
  };
}

/** A member from a `nodes` topic frame (docs/cluster.md), or undefined when the frame is not one. */
export function nodeRowFromFrame(raw: unknown): (NodeRow & { removed: boolean }) | undefined {
  const parsed = clusterNodeSchema.safeParse(raw);
  if (!parsed.success) return undefined;
  const n = parsed.data;
  return {
    id: n.id,
    address: n.address,
    state: n.state,
    roles: n.roles,
    slots: n.slots.total,
    used: n.slots.total - n.slots.free,
    cpu: n.load.cpu * 100,
    rss: null,
    memory: n.load.memory * 100,
    health: n.health,
    draining: n.drain,
    services: [],
    running: [],
    attached: n.self,
    removed: n.removed === true,
  };
}
