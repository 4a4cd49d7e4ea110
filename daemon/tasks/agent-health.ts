import type { HealthRegistry } from '../health/module.js';
import type { AgentHealthSource, AgentServiceHealth } from '../health/providers.js';
import type { TaskStore } from '../store/facets.js';
import type { Task } from '../store/types.js';

/** The slice of the agent service supervisor health reads. */
export interface ServicesView {
  /** Every configured service with its state and restarts. */
  status(): { name: string; state: string; restarts: number }[];
}

/** What the task engine hands over. */
export interface TaskEngineView {
  /** Long-lived agent services. */
  services: ServicesView;
  /** The worker: ids of the tasks it runs now. */
  worker: { runningIds(): string[] };
}

/** Builds the agent health source from the supervisor and the worker. */
export function agentHealthSource(
  engine: TaskEngineView,
  getTask: (id: string) => Promise<Task | undefined>,
  killGraceMs: number,
  now: () => number = Date.now,
): AgentHealthSource {
  return {
    services: (): AgentServiceHealth[] =>
      engine.services
        .status()
        .map((s) => ({ name: s.name, up: s.state === 'running', restarts: s.restarts })),
    restartCount: () => engine.services.status().reduce((sum, s) => sum + s.restarts, 0),
    // A run past its timeout plus the kill grace should have been ended already: it is stuck.
    stuckTasks: async () => {
      const tasks = await Promise.all(
        engine.worker.runningIds().map((id) => getTask(id).catch(() => undefined)),
      );
      return tasks.filter(
        (t) =>
          t?.state === 'running' &&
          t.started_at !== null &&
          now() - t.started_at > t.timeout_ms + killGraceMs,
      ).length;
    },
  };
}

/** Plugs the task engine's agents into the health checks. */
export function provideAgentHealth(
  health: Pick<HealthRegistry, 'provideAgents'>,
  engine: TaskEngineView,
  store: Pick<TaskStore, 'getTask'>,
  killGraceMs: number,
): void {
  health.provideAgents(agentHealthSource(engine, (id) => store.getTask(id), killGraceMs));
}
