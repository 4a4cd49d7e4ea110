import { isRunning, readStat } from '../../daemon/agents/proc.js';
import { callReverter, type ResumeHandle, type Reverter, startReverter } from '../host/reverter.js';
import type { FaultContext } from './context.js';
import type { Fault, Leftover } from './fault.js';
import { killHelper } from './process.js';

/** How long after the inject reply the daemon is stopped, so the reply leaves first. */
const STOP_AFTER_MS = 300;

/**
 * Pauses the hosting daemon itself (node-pause). The daemon cannot SIGCONT itself, so a detached
 * reverter process does both signals and enforces the deadline and the controller's lease from
 * outside; the daemon journals the reverter, so a restart after a SIGKILL ends it.
 */
export class DaemonPauseFault implements Fault {
  readonly kind = 'process-pause';
  readonly target = 'this daemon';
  readonly magnitude = {};
  private reverter: Reverter | undefined;
  private started: Reverter | undefined;
  onLeftovers?: () => void;

  constructor(
    private readonly ctx: FaultContext,
    private readonly plan: { durationMs: number; leaseMs: number },
  ) {}

  get active(): boolean {
    return this.reverter !== undefined;
  }

  /** What a controller calls to send heartbeats to the reverter or resume early. */
  get resume(): ResumeHandle | undefined {
    return this.reverter ? { url: this.reverter.url, token: this.reverter.token } : undefined;
  }

  async inject(): Promise<void> {
    if (this.reverter) return;
    this.reverter = await startReverter({
      pid: process.pid,
      host: this.ctx.listenHost ?? '127.0.0.1',
      deadlineAt: Date.now() + STOP_AFTER_MS + this.plan.durationMs,
      leaseMs: this.plan.leaseMs,
      stopAfterMs: STOP_AFTER_MS,
    });
    this.started = this.reverter;
    this.onLeftovers?.();
  }

  // Running this at all means the daemon is not stopped; what is left is the reverter.
  async revert(): Promise<void> {
    const r = this.reverter;
    this.reverter = undefined;
    if (!r) return;
    if (!(await callReverter(r, 'resume'))) killHelper(r.pid, r.startTime);
    await waitGone(r, 2_000);
    killHelper(r.pid, r.startTime);
  }

  leftovers(): Leftover[] {
    return this.reverter
      ? [{ type: 'helper-process', pid: this.reverter.pid, start_time: this.reverter.startTime }]
      : [];
  }

  async verifyReverted(): Promise<string[]> {
    const r = this.started;
    if (!r) return [];
    const stat = readStat(r.pid);
    return isRunning(stat) && stat.startTime === r.startTime ? [`reverter pid ${r.pid} still running`] : [];
  }
}

async function waitGone(r: Reverter, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const stat = readStat(r.pid);
    if (!isRunning(stat) || stat.startTime !== r.startTime) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
