import { isPidRunning } from '../../daemon/agents/proc.js';
import type { TaskStore } from '../../daemon/store/facets.js';
import type { ProcessTarget } from '../faults/spec.js';

/** Resolves process targets on this node: agents from the running tasks' `started` events (oldest first). */
export function nodeProcesses(store: TaskStore, nodeId: string) {
  return async (target: ProcessTarget): Promise<number[]> => {
    if ('pid' in target) return [target.pid];
    if ('daemon' in target) return [process.pid];
    if ('service' in target) return [];
    const running = (await store.listTasks({ states: ['running'], limit: 1000 }))
      .filter((t) => t.node_id === nodeId)
      .reverse();
    const pids: number[] = [];
    for (const task of running) {
      const started = (await store.listTaskEvents(task.id)).filter((e) => e.kind === 'started').at(-1);
      const pid = started?.detail.pid;
      if (typeof pid === 'number' && isPidRunning(pid)) pids.push(pid);
      if (target.agents === 'one' && pids.length) break;
    }
    return pids;
  };
}
