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
  /** Resident memory in bytes, when reported. */
  rss: number | null;
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
    health: host.health,
    draining: info.phase === 'draining',
    services: info.services,
    running: info.running,
    attached: true,
  };
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown, fallback: string): string => (typeof v === 'string' ? v : fallback);

/**
 * A member from a `nodes` topic frame. The topic is the cluster module's; this reads its fields
 * leniently (snake_case as in docs/cluster.md) so a missing optional field shows as "-" rather
 * than hiding the node.
 */
export function nodeRowFromFrame(raw: unknown, attachedId: string | null): NodeRow | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const r = raw as Record<string, unknown>;
  const id = str(r.node_id ?? r.id, '');
  if (!id) return undefined;
  const slots = num(r.slots);
  const free = num(r.free_slots);
  const used = num(r.used_slots) ?? (slots !== null && free !== null ? slots - free : null);
  const health = r.health === 'pass' || r.health === 'warn' || r.health === 'fail' ? r.health : null;
  return {
    id,
    address: str(r.address, ''),
    state: str(r.state ?? r.status, 'unknown'),
    roles: Array.isArray(r.roles) ? r.roles.filter((x): x is string => typeof x === 'string') : [],
    slots,
    used,
    cpu: num(r.cpu_percent ?? r.cpu),
    rss: num(r.rss_bytes ?? r.rss),
    health,
    draining: r.draining === true || r.drain === true,
    services: Array.isArray(r.services) ? (r.services as NodeInfo['services']) : [],
    running: Array.isArray(r.running) ? r.running.filter((x): x is string => typeof x === 'string') : [],
    attached: id === attachedId,
  };
}
