import type { DaemonContext } from '../../daemon/runtime/module.js';
import type { ChaosStatus } from '../../shared/api/chaos.js';
import type { ChaosTopicChange } from '../../shared/api/chaos-topic.js';
import type { ActiveFaultInfo, FaultHost, RevertRecord } from '../host/fault-host.js';
import type { DrillProgress, DrillRunner } from './drills.js';
import type { RunHistory } from './history.js';

declare module '../../daemon/runtime/events.js' {
  interface DaemonEventMap {
    /** A chaos fault of this node was injected or reverted, or this node's drill moved on. */
    'chaos.change': ChaosTopicChange;
  }
}

/** What the topic reads and listens to. */
export interface ChaosTopicDeps {
  /** This node. */
  nodeId: string;
  /** The fault host (its `injected` and `reverted` events). */
  host: FaultHost;
  /** The drills of this node (their progress). */
  drills: DrillRunner;
  /** Past drills, for the snapshot. */
  history: RunHistory;
  /** chaos.status as it answers now. */
  status(): ChaosStatus;
}

function drillChange(e: DrillProgress): ChaosTopicChange {
  if (e.type === 'started') return { event: 'drill.started', run: e.run };
  if (e.type === 'ended') return { event: 'drill.ended', run: e.run };
  if (e.type === 'phase') return { event: 'drill.phase', run_id: e.run_id, phase: e.phase };
  if (e.type === 'abort') return { event: 'drill.abort', run_id: e.run_id, condition: e.condition };
  const { at, health, failing, queue_age_ms, tasks, members } = e.sample;
  return {
    event: 'drill.sample',
    run_id: e.run_id,
    sample: { at, health, failing, queue_age_ms, tasks, members },
  };
}

/**
 * The `chaos` client topic: the status and the drills first, then every fault injected or reverted
 * on this node and every step of its drill, carried by the daemon's event bus (`chaos.change`).
 */
export function installChaosTopic(ctx: DaemonContext, deps: ChaosTopicDeps): void {
  const emit = (change: ChaosTopicChange) => ctx.events.emit('chaos.change', change);
  deps.host.on('injected', (fault: ActiveFaultInfo) =>
    emit({ event: 'fault.injected', node_id: deps.nodeId, fault }),
  );
  deps.host.on('reverted', (r: RevertRecord) =>
    emit({
      event: 'fault.reverted',
      node_id: deps.nodeId,
      fault_id: r.id,
      kind: r.kind,
      reason: r.reason,
      at: r.at,
      left: r.left,
    }),
  );
  deps.drills.onProgress = (e) => emit(drillChange(e));
  ctx.addTopic('chaos', {
    snapshot: async () => ({ status: deps.status(), runs: await deps.history.list() }),
    subscribe: (_params, push) => ctx.events.on('chaos.change', push),
  });
}
