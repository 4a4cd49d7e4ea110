import type { GatewayPool } from '../agents/gateway/pool.js';
import { startTurn } from '../agents/gateway/turn.js';
import { GATEWAY_PROFILE_NAME } from '../agents/profile.js';
import type { Logger } from '../log/logger.js';
import type { Task } from '../store/types.js';
import type { AgentLauncher, LaunchedRun } from './launcher.js';
import type { SupervisorLauncher } from './supervisor-launcher.js';

export { GATEWAY_PROFILE_NAME };

/**
 * Sends tasks of the `openclaw-gateway` profile to the gateway pool as turns, everything else to
 * the process supervisor. The gateway profile has capacity of its own (the gateways' lanes), so
 * it does not use up `agents.slots`.
 */
export class RoutingLauncher implements AgentLauncher {
  constructor(
    private readonly exec: SupervisorLauncher,
    private readonly pool: GatewayPool,
    private readonly killGraceMs: number,
    private readonly logger: Logger,
  ) {}

  profileNames(): string[] {
    return [...this.exec.profileNames(), GATEWAY_PROFILE_NAME];
  }

  profileSlots(profile: string): number | undefined {
    return profile === GATEWAY_PROFILE_NAME ? this.pool.capacity() : this.exec.profileSlots(profile);
  }

  dedicatedSlots(profile: string): number | undefined {
    return profile === GATEWAY_PROFILE_NAME ? this.pool.capacity() : undefined;
  }

  async launch(task: Task, guardSince?: number): Promise<LaunchedRun> {
    if (task.profile !== GATEWAY_PROFILE_NAME) return this.exec.launch(task, guardSince);
    const turn = startTurn(
      this.pool,
      {
        taskId: task.id,
        fence: task.fence,
        message: task.message,
        timeoutMs: task.timeout_ms,
        graceMs: this.killGraceMs,
      },
      this.logger,
    );
    return { pid: turn.pid, cancel: (reason) => turn.cancel(reason), done: turn.done };
  }

  reapSurvivors() {
    return this.exec.reapSurvivors();
  }

  // Process agents keep their guard fed and closed through the gateway route too.
  heartbeat(taskIds: string[], since?: number): void {
    this.exec.heartbeat?.(taskIds, since);
  }

  close(): void {
    this.exec.close?.();
  }

  sweepFiles(cutoffMs: number): Promise<number> {
    return this.exec.sweepFiles(cutoffMs);
  }
}
