import type { Clock } from './clock.js';
import { allProcesses, processTree, readStat, ticksToMs } from './proc.js';

/** One reading of a process tree. */
export interface TreeSample {
  /** Summed RSS of the tree, bytes. */
  rssBytes: number;
  /** CPU used so far by the tree (live members plus reaped children of the root), ms. */
  cpuMs: number;
  /** Number of live processes in the tree. */
  processes: number;
}

/** Reads a tree once; the root's reaped children are counted through its cutime/cstime. */
export function sampleTree(rootPid: number, rootStartTime: number): TreeSample {
  const tree = processTree(rootPid, rootStartTime, allProcesses());
  let rssBytes = 0;
  let cpuTicks = 0;
  for (const p of tree) {
    rssBytes += p.rssBytes;
    cpuTicks += p.cpuTicks;
  }
  return { rssBytes, cpuMs: ticksToMs(cpuTicks), processes: tree.length };
}

/**
 * Samples a tree every `intervalMs` and keeps peaks; `onSample` lets the owner enforce
 * limits. Sampling is synchronous /proc reads: cheap at a few runs per host.
 */
export class TreeSampler {
  /** Highest summed RSS seen, bytes. */
  peakRssBytes = 0;
  /** Highest CPU total seen, ms (CPU of exited members is lost, so keep the max). */
  cpuMs = 0;
  /** Latest sample, for live views. */
  last: TreeSample = { rssBytes: 0, cpuMs: 0, processes: 0 };
  private timer: unknown;
  private stopped = false;

  constructor(
    private readonly rootPid: number,
    private readonly rootStartTime: number,
    private readonly intervalMs: number,
    private readonly clock: Clock,
    private readonly onSample: (sample: TreeSample) => void = () => {},
  ) {}

  start(): this {
    // Not synchronously: the first reading would only see the exec in progress, and reading
    // /proc here would sit on the claim-to-spawn path.
    this.timer = this.clock.setTimer(() => this.tick(), Math.min(100, this.intervalMs));
    return this;
  }

  /** Takes one sample now (also used for a final reading at exit). */
  sample(): TreeSample {
    const s = sampleTree(this.rootPid, this.rootStartTime);
    this.last = s;
    if (s.rssBytes > this.peakRssBytes) this.peakRssBytes = s.rssBytes;
    if (s.cpuMs > this.cpuMs) this.cpuMs = s.cpuMs;
    return s;
  }

  stop(): void {
    this.stopped = true;
    this.clock.clearTimer(this.timer);
  }

  private tick(): void {
    if (this.stopped) return;
    this.onSample(this.sample());
    if (!this.stopped) this.timer = this.clock.setTimer(() => this.tick(), this.intervalMs);
  }
}

/** /proc start time of a pid, read right after spawn; 0 if it already vanished. */
export function startTimeOf(pid: number): number {
  return readStat(pid)?.startTime ?? 0;
}
