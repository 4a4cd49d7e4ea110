import { isRunning, readStat } from '../../daemon/agents/proc.js';
import type { Fault, Leftover } from './fault.js';
import { type Helper, startHelper } from './helper-process.js';
import type { FaultSpec } from './spec.js';

// Each worker burns `share` of every 100 ms slice and sleeps the rest.
const cpuScript = (share: number) => `
const busy = ${Math.round(share * 100)}, idle = ${100 - Math.round(share * 100)};
process.stdout.write('ready\\n');
(function tick() { const end = Date.now() + busy; while (Date.now() < end); setTimeout(tick, idle); })();`;

// Buffer.alloc fills with zeros, which touches every page, so the MB are resident, not just reserved.
const memoryScript = (mb: number) => `
const held = []; for (let i = 0; i < ${mb}; i++) held.push(Buffer.alloc(1048576, 1));
process.stdout.write('ready\\n'); setInterval(() => held.length, 60000);`;

/** Base of faults carried by helper processes: revert kills them, verify checks their pids. */
abstract class HelperFault implements Fault {
  abstract readonly kind: string;
  abstract readonly target: string;
  abstract readonly magnitude: Record<string, unknown>;
  protected helpers: Helper[] = [];
  /** Every helper it ever started, so the check after revert looks at the real processes. */
  private readonly started: Helper[] = [];
  private starting: Promise<void> | undefined;

  get active(): boolean {
    return this.helpers.length > 0;
  }

  protected abstract start(): Promise<Helper[]>;

  async inject(): Promise<void> {
    if (this.active) return;
    this.starting ??= this.start().then((h) => {
      this.helpers = h;
      this.started.push(...h);
    });
    try {
      await this.starting;
    } finally {
      this.starting = undefined;
    }
  }

  async revert(): Promise<void> {
    const helpers = this.helpers;
    this.helpers = [];
    await Promise.all(helpers.map((h) => h.stop()));
  }

  leftovers(): Leftover[] {
    return this.helpers.map((h) => ({ type: 'helper-process', pid: h.pid, start_time: h.startTime }));
  }

  /** Pids of the helper processes (empty once reverted). */
  get pids(): number[] {
    return this.helpers.map((h) => h.pid);
  }

  async verifyReverted(): Promise<string[]> {
    return this.started
      .filter((h) => {
        const s = readStat(h.pid);
        return isRunning(s) && s.startTime === h.startTime;
      })
      .map((h) => `helper pid ${h.pid} alive`);
  }
}

/** CPU stress: `workers` busy processes, each busy `share` of the time. */
export class CpuStressFault extends HelperFault {
  readonly kind = 'cpu-stress';
  readonly target = 'host CPU';
  readonly magnitude: Record<string, unknown>;

  constructor(private readonly spec: Extract<FaultSpec, { kind: 'cpu-stress' }>) {
    super();
    this.magnitude = { workers: spec.workers, share: spec.share };
  }

  protected async start(): Promise<Helper[]> {
    const started: Helper[] = [];
    try {
      for (let i = 0; i < this.spec.workers; i++)
        started.push(await startHelper(cpuScript(this.spec.share), 'cpu-stress'));
    } catch (error) {
      await Promise.all(started.map((h) => h.stop()));
      throw error;
    }
    return started;
  }
}

/** Memory pressure: one helper process holding `mb` resident megabytes. */
export class MemoryPressureFault extends HelperFault {
  readonly kind = 'memory-pressure';
  readonly target = 'host memory';
  readonly magnitude: Record<string, unknown>;

  constructor(private readonly spec: Extract<FaultSpec, { kind: 'memory-pressure' }>) {
    super();
    this.magnitude = { mb: spec.mb };
  }

  protected async start(): Promise<Helper[]> {
    return [await startHelper(memoryScript(this.spec.mb), 'memory-pressure', 60_000)];
  }
}
