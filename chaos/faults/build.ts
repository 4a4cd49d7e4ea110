import type { FaultContext } from './context.js';
import { DaemonPauseFault } from './daemon-pause.js';
import { DiskFillFault } from './disk.js';
import type { Fault } from './fault.js';
import { IoThrottleFault } from './io-throttle.js';
import { NetnsBandwidthFault } from './netns-bandwidth.js';
import { networkFault } from './network.js';
import { PgKillConnectionsFault, PgPoolExhaustionFault, PgSlowQueriesFault } from './postgres.js';
import { ProcessKillFault, ProcessPauseFault } from './process.js';
import { ProxyToxicFault } from './proxy-toxic.js';
import { PgReplicaFault } from './replica.js';
import { CpuStressFault, MemoryPressureFault } from './resources.js';
import type { FaultSpec } from './spec.js';
import { storeLatencyFault } from './store-latency.js';

/** How long a fault will be in force, and the controller's lease (0: none), for faults enforced from outside. */
export interface FaultPlan {
  /** Its duration. */
  durationMs: number;
  /** A controller silent this long loses it (0: only the deadline). */
  leaseMs: number;
}

/** The fault object for a validated spec; throws ChaosError when the node cannot host it. */
export function buildFault(
  spec: FaultSpec,
  ctx: FaultContext,
  plan: FaultPlan = { durationMs: 0, leaseMs: 0 },
): Fault {
  switch (spec.kind) {
    case 'process-kill':
      return new ProcessKillFault(spec, ctx);
    case 'process-pause':
      return 'daemon' in spec.target ? new DaemonPauseFault(ctx, plan) : new ProcessPauseFault(spec, ctx);
    case 'cpu-stress':
      return new CpuStressFault(spec);
    case 'memory-pressure':
      return new MemoryPressureFault(spec);
    case 'disk-fill':
      return new DiskFillFault(spec, ctx);
    case 'pg-pool-exhaustion':
      return new PgPoolExhaustionFault(spec, ctx);
    case 'pg-slow-queries':
      return new PgSlowQueriesFault(spec, ctx);
    case 'pg-kill-connections':
      return new PgKillConnectionsFault(spec, ctx);
    case 'pg-replica':
      return new PgReplicaFault(spec, ctx);
    case 'proxy-toxic':
      return new ProxyToxicFault(spec, ctx);
    case 'io-throttle':
      return new IoThrottleFault(spec, ctx);
    case 'netns-bandwidth':
      return new NetnsBandwidthFault(spec);
    case 'network':
      return networkFault(spec, ctx);
    case 'store-latency':
      return storeLatencyFault(spec, ctx);
  }
}
