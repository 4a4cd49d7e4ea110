import type { ClusterNode } from '../../shared/cluster.js';
import type { NodeRecord, Task } from '../store/types.js';

/** Node rows older than this (three missed 5 s heartbeats) do not count as able to take work. */
export const NODE_STALE_MS = 15_000;

/** The labels a node advertises, as it registered them (meta.labels). */
export function nodeLabels(node: NodeRecord): Record<string, string> {
  const labels = node.meta.labels;
  return labels && typeof labels === 'object' ? (labels as Record<string, string>) : {};
}

/** True when `node` may claim `task`: not pinned elsewhere, every required label advertised. */
export function nodeCanTake(task: Task, nodeId: string, labels: Record<string, string>): boolean {
  if (task.pin_node && task.pin_node !== nodeId) return false;
  return Object.entries(task.require ?? {}).every(([k, v]) => labels[k] === v);
}

/**
 * Why a queued task waits when no live worker node may take it (for `task show`); undefined
 * when some node can, or the task is not queued or not placed at all.
 */
export function waitingReason(task: Task, nodes: NodeRecord[], now: number): string | undefined {
  const required = Object.entries(task.require ?? {});
  if (task.state !== 'queued' || (!task.pin_node && required.length === 0)) return undefined;
  const live = nodes.filter(
    (n) => n.status === 'up' && n.roles.includes('worker') && now - n.heartbeat_at <= NODE_STALE_MS,
  );
  if (live.some((n) => nodeCanTake(task, n.id, nodeLabels(n)))) return undefined;
  const wants = required.map(([k, v]) => `${k}=${v}`).join(', ');
  if (task.pin_node) {
    const pinned = live.find((n) => n.id === task.pin_node);
    if (!pinned) return `pinned to node ${task.pin_node}, which is not a live worker node`;
    const missing = required.filter(([k, v]) => nodeLabels(pinned)[k] !== v).map(([k, v]) => `${k}=${v}`);
    return `pinned to node ${task.pin_node}, which does not advertise ${missing.join(', ')}`;
  }
  return `no live worker node advertises ${wants}`;
}

/** This node's own load, as the worker counts it (exact, unlike its gossiped copy). */
export interface OwnLoad {
  /** Agents running here now. */
  agents: number;
  /** `agents.slots`. */
  slots: number;
}

/**
 * How many tasks any node could take this node may claim now (Infinity: no limit). A node holds
 * back while it is clearly busier than the least-loaded live worker peer with a free slot: it
 * claims only up to one task above that peer's load (scaled by slots, for nodes of unequal
 * size), so uniform work spreads within one task per node of even, and a node that just joined,
 * at zero, is below everyone and claims at once. Gossip may lag: a peer seen too idle only makes
 * us wait for its next metadata update, never claim more than one over it.
 */
export function claimAllowance(self: OwnLoad, peers: ClusterNode[], storeIdentity: string | null): number {
  let least = Number.POSITIVE_INFINITY;
  for (const peer of peers) {
    if (peer.self || peer.state !== 'alive' || peer.drain || !peer.roles.includes('worker')) continue;
    if (peer.slots.total <= 0 || peer.slots.free <= 0) continue;
    // A member on another store competes for other tasks.
    if (storeIdentity && peer.store_identity && peer.store_identity !== storeIdentity) continue;
    least = Math.min(least, (peer.load.agents * self.slots) / peer.slots.total);
  }
  if (least === Number.POSITIVE_INFINITY) return least;
  return Math.max(0, Math.floor(least) + 1 - self.agents);
}
