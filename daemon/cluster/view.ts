import type { ClusterNode, MemberMeta } from '../../shared/cluster.js';
import type { Swim } from './swim.js';
import type { Member, MemberEvent } from './types.js';

/** The cluster as this daemon sees it: what `node list`, the `nodes` topic and placement read. */
export interface ClusterView {
  /** Every known member, this node included, ordered by id. */
  nodes(): ClusterNode[];
  /** One member, or undefined. */
  node(id: string): ClusterNode | undefined;
  /** Calls `listener` with each member whose state, incarnation or metadata changed; returns the unsubscribe. */
  onChange(listener: (node: ClusterNode) => void): () => void;
}

/** A member in wire shape; metadata not yet known shows as nulls and zeros. */
export function toClusterNode(member: Member, selfId: string): ClusterNode {
  const meta = member.meta as MemberMeta | null;
  return {
    id: member.id,
    address: member.address,
    state: member.state,
    incarnation: member.incarnation,
    self: member.id === selfId,
    version: meta?.version ?? null,
    roles: meta?.roles ?? [],
    slots: meta?.slots ?? { total: 0, free: 0 },
    load: meta?.load ?? { cpu: 0, memory: 0, agents: 0 },
    health: meta?.health ?? null,
    drain: meta?.drain ?? false,
    store_identity: meta?.store_identity ?? null,
    state_since: member.stateSince,
    last_seen: member.id === selfId ? null : member.lastSeen,
  };
}

/** ClusterView over a running Swim member. */
export class SwimClusterView implements ClusterView {
  private readonly listeners = new Set<(node: ClusterNode) => void>();

  constructor(private readonly swim: Swim) {
    swim.on((event) => this.changed(event));
  }

  nodes(): ClusterNode[] {
    return this.swim.members
      .all()
      .map((m) => toClusterNode(m, this.swim.id))
      .sort((a, b) => a.id.localeCompare(b.id));
  }

  node(id: string): ClusterNode | undefined {
    const member = this.swim.members.get(id);
    return member ? toClusterNode(member, this.swim.id) : undefined;
  }

  onChange(listener: (node: ClusterNode) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(event: MemberEvent): void {
    const node = toClusterNode(event.member, this.swim.id);
    const data: ClusterNode = event.kind === 'reaped' ? { ...node, removed: true } : node;
    for (const listener of this.listeners) listener(data);
  }
}
