import { isRunning, readStat } from '../../daemon/agents/proc.js';
import { ChaosError, message } from '../errors.js';
import type { FaultContext } from './context.js';
import type { Fault, Leftover } from './fault.js';
import { RepeatingFault } from './repeater.js';
import type { FaultSpec, ProcessTarget } from './spec.js';

function describeTarget(target: ProcessTarget): string {
  if ('pid' in target) return `pid ${target.pid}`;
  if ('agents' in target) return target.agents === 'all' ? 'all agents' : 'one agent';
  if ('daemon' in target) return 'this daemon';
  return `service ${target.service}`;
}

function signalPid(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    // Gone already (ESRCH): nothing to do, which is what an idempotent fault wants.
    return false;
  }
}

/** Sends a signal to the target once, or again every `every_ms` for the duration (crash loop). */
export class ProcessKillFault extends RepeatingFault<number> implements Fault {
  readonly kind = 'process-kill';
  readonly target: string;
  readonly magnitude: Record<string, unknown>;
  /** Pids signalled so far, for the report. */
  readonly killed: number[] = [];
  protected readonly timerName = 'kill timer';

  constructor(
    private readonly spec: Extract<FaultSpec, { kind: 'process-kill' }>,
    private readonly ctx: FaultContext,
  ) {
    super();
    this.target = describeTarget(spec.target);
    this.magnitude = { signal: spec.signal, ...(spec.every_ms ? { every_ms: spec.every_ms } : {}) };
  }

  protected async fire(): Promise<number> {
    const pids = await this.ctx.processes(this.spec.target);
    let hit = 0;
    for (const pid of pids)
      if (pid === process.pid) {
        // Killing its own daemon (node-kill): the reply to the controller leaves first.
        setTimeout(() => signalPid(pid, this.spec.signal), 300);
        this.killed.push(pid);
        hit++;
      } else if (signalPid(pid, this.spec.signal)) {
        this.killed.push(pid);
        hit++;
      }
    return hit;
  }

  protected everyMs(): number | undefined {
    return this.spec.every_ms;
  }

  /** A one-off kill that hit nothing is an error; a crash loop may find its target later. */
  protected override checkFirstRound(hit: number): void {
    if (hit === 0 && !this.spec.every_ms)
      throw new ChaosError('inject', `process-kill: no running process matches ${this.target}`, {
        field: 'target',
      });
  }
}

/** SIGSTOP on inject, SIGCONT on revert; journals each stopped pid with its start time. */
export class ProcessPauseFault implements Fault {
  readonly kind = 'process-pause';
  readonly target: string;
  readonly magnitude = {};
  active = false;
  private stopped: { pid: number; start_time: number }[] = [];
  /** Every process it ever stopped, so the check after revert reads their real state. */
  private readonly everStopped: { pid: number; start_time: number }[] = [];
  onLeftovers?: () => void;

  constructor(
    private readonly spec: Extract<FaultSpec, { kind: 'process-pause' }>,
    private readonly ctx: FaultContext,
  ) {
    this.target = describeTarget(spec.target);
  }

  async inject(): Promise<void> {
    if (this.active) return;
    const pids = await this.ctx.processes(this.spec.target);
    if (pids.includes(process.pid))
      throw new ChaosError(
        'refused',
        'process-pause: a daemon cannot pause itself (nothing would resume it)',
        {
          field: 'target',
        },
      );
    for (const pid of pids) {
      const stat = readStat(pid);
      if (!isRunning(stat)) continue;
      // Journal first: if we die between the two, the restart still resumes it.
      this.stopped.push({ pid, start_time: stat.startTime });
      this.onLeftovers?.();
      if (signalPid(pid, 'SIGSTOP')) this.everStopped.push({ pid, start_time: stat.startTime });
      else this.stopped.pop();
    }
    if (this.stopped.length === 0)
      throw new ChaosError('inject', `process-pause: no running process matches ${this.target}`, {
        field: 'target',
      });
    // Signals are delivered asynchronously: "in effect" means /proc shows the process stopped.
    await waitUntil(
      () =>
        this.stopped.every((p) => {
          const stat = readStat(p.pid);
          return !isRunning(stat) || stat.state === 'T';
        }),
      2_000,
    );
    this.active = true;
  }

  async revert(): Promise<void> {
    const errors: string[] = [];
    for (const p of this.stopped) {
      const error = resumeProcess(p.pid, p.start_time);
      if (error) errors.push(error);
    }
    this.stopped = [];
    this.active = false;
    if (errors.length) throw new ChaosError('revert', `process-pause: ${errors.join('; ')}`);
  }

  leftovers(): Leftover[] {
    return this.stopped.map((p) => ({ type: 'stopped-process', ...p }));
  }

  async verifyReverted(): Promise<string[]> {
    return this.everStopped
      .filter((p) => {
        const stat = readStat(p.pid);
        return stat?.state === 'T' && stat.startTime === p.start_time;
      })
      .map((p) => `pid ${p.pid} still stopped`);
  }

  /** Pids currently stopped by this fault. */
  get pids(): number[] {
    return this.stopped.map((p) => p.pid);
  }
}

async function waitUntil(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
}

/** SIGCONT unless the pid now belongs to another process; returns an error text or undefined. */
export function resumeProcess(pid: number, startTime: number): string | undefined {
  const stat = readStat(pid);
  if (!isRunning(stat) || stat.startTime !== startTime) return undefined;
  try {
    process.kill(pid, 'SIGCONT');
    return undefined;
  } catch (error) {
    return `cannot resume pid ${pid}: ${message(error)}`;
  }
}

/** SIGKILL unless the pid now belongs to another process. */
export function killHelper(pid: number, startTime: number): void {
  const stat = readStat(pid);
  if (!isRunning(stat) || stat.startTime !== startTime) return;
  signalPid(pid, 'SIGKILL');
}
