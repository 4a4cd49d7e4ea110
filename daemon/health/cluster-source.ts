import type { HealthStatus } from '../../shared/health.js';
import type { ClusterHealthSource, ClusterMemberHealth } from './providers.js';

/** Single host: this node is the only member, always alive, with its own current status. */
export class SingleHostCluster implements ClusterHealthSource {
  readonly required = false;

  constructor(private readonly self: () => { nodeId: string; address: string; status: HealthStatus }) {}

  members(): ClusterMemberHealth[] {
    const me = this.self();
    return [
      {
        nodeId: me.nodeId,
        address: me.address,
        state: 'alive',
        status: me.status,
        lastSeenMs: null,
        self: true,
      },
    ];
  }

  lastGossipAgeMs(): number | null {
    return null;
  }

  storeIdentityAgrees(): boolean | null {
    return null;
  }

  joined(): boolean {
    return true;
  }
}
