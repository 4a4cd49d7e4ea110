import { captureOutput, type OutputStream } from './capture.js';
import type { Clock } from './clock.js';
import { parseEnvelope, TailBuffer } from './envelope.js';
import { signalGroup, signalPids } from './kill.js';
import { RotatingLog } from './log-file.js';
import { classify, type RunOutcome, type StopReason } from './outcome.js';
import { processTree } from './proc.js';
import { LineRing, type OutputLine } from './ring-buffer.js';
import { TreeSampler } from './sampler.js';
import type { SpawnExit, SpawnedProcess } from './spawn.js';

/** A live agent run, as handed to the task engine and the live view. */
export interface RunHandle {
  /** Task being run. */
  readonly taskId: string;
  /** Attempt number. */
  readonly attempt: number;
  /** Agent pid (also its process group id). */
  readonly pid: number;
  /** When it was spawned, ms since the epoch. */
  readonly startedAt: number;
  /** Per-run working directory. */
  readonly workdir: string;
  /** Current log file of the run. */
  readonly logFile: string;
  /** Stops the run (TERM, then KILL after the grace); the outcome will be 'cancelled'. */
  cancel(reason: string): void;
  /** The most recent output lines, oldest first. */
  recentLines(): OutputLine[];
  /** Calls `listener` for every new output line; returns an unsubscribe function. */
  subscribe(listener: (line: OutputLine) => void): () => void;
  /** Latest resource reading of the process tree. */
  usage(): { rssBytes: number; peakRssBytes: number; cpuMs: number };
  /** Settles (never rejects) when the run has ended and been cleaned up. */
  readonly done: Promise<RunOutcome>;
}

/** Knobs of one run, resolved by the supervisor. */
export interface RunSettings {
  /** Hard wall-clock bound, ms. */
  timeoutMs: number;
  /** Time between TERM and KILL, ms. */
  killGraceMs: number;
  /** Stop the run when its tree's RSS exceeds this many MB. */
  memoryLimitMb: number | undefined;
  /** Sampling period for CPU/RSS, ms. */
  sampleIntervalMs: number;
  /** Log file path and its rotation size. */
  logFile: string;
  /** Rotation size of the log file, bytes. */
  logMaxBytes: number;
  /** Lines kept for the live view. */
  ringLines: number;
  /** /proc start time of the agent, ticks. */
  procStartTime: number;
  /** Time source. */
  clock: Clock;
  /** After a complete envelope on stdout, how long the agent may take to exit before it is stopped, ms. */
  envelopeGraceMs: number;
  /** Called once the outcome is known, before `done` settles (journal cleanup). */
  onEnd: () => Promise<void>;
}

// Pipes still held open by something we could not kill must not hold the outcome back.
const STREAM_DRAIN_MS = 2_000;

/** Drives one spawned agent from spawn to outcome. */
export class AgentRun implements RunHandle {
  readonly pid: number;
  readonly startedAt: number;
  readonly logFile: string;
  readonly done: Promise<RunOutcome>;
  private readonly ring: LineRing;
  private readonly listeners = new Set<(line: OutputLine) => void>();
  private readonly stdoutTail = new TailBuffer();
  private readonly log: RotatingLog;
  private readonly sampler: TreeSampler;
  private stop: StopReason | undefined;
  private lastLine: string | undefined;
  private timers: unknown[] = [];
  private envelopeTimer: unknown;
  /** Set once the agent's exit is known: its pid (and group) may belong to someone else from then on. */
  private exited = false;

  constructor(
    readonly taskId: string,
    readonly attempt: number,
    readonly workdir: string,
    private readonly child: SpawnedProcess & { pid: number },
    private readonly s: RunSettings,
  ) {
    this.pid = child.pid;
    this.startedAt = s.clock.now();
    this.logFile = s.logFile;
    this.ring = new LineRing(s.ringLines);
    this.log = new RotatingLog(s.logFile, s.logMaxBytes);
    captureOutput(this.child, {
      log: this.log,
      onLine: (stream, text) => this.onLine(stream, text),
      onChunk: (stream, chunk) => {
        if (stream === 'stdout') {
          this.stdoutTail.write(chunk);
          this.watchEnvelope(chunk);
        }
      },
    });
    this.sampler = new TreeSampler(this.pid, s.procStartTime, s.sampleIntervalMs, s.clock, (sample) => {
      const limit = s.memoryLimitMb;
      if (limit !== undefined && sample.rssBytes > limit * 1024 * 1024) {
        this.terminate({ kind: 'memory_limit', limitMb: limit, rssBytes: sample.rssBytes });
      }
    }).start();
    this.timers.push(
      s.clock.setTimer(() => this.terminate({ kind: 'timeout', timeoutMs: s.timeoutMs }), s.timeoutMs),
    );
    this.done = child.exited.then((exit) => this.finish(exit));
    // Internal faults (e.g. the log disk vanished) must still yield an outcome, never a rejection.
    this.done = this.done.catch((error: unknown) => ({
      kind: 'failed',
      exitCode: undefined,
      signal: undefined,
      durationMs: this.s.clock.now() - this.startedAt,
      peakRssBytes: this.sampler.peakRssBytes,
      cpuMs: undefined,
      result: undefined,
      error: `supervisor error: ${String(error)}`,
      retryable: true,
    }));
  }

  cancel(reason: string): void {
    this.terminate({ kind: 'cancelled', reason });
  }

  recentLines(): OutputLine[] {
    return this.ring.lines();
  }

  subscribe(listener: (line: OutputLine) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  usage(): { rssBytes: number; peakRssBytes: number; cpuMs: number } {
    return {
      rssBytes: this.sampler.last.rssBytes,
      peakRssBytes: this.sampler.peakRssBytes,
      cpuMs: this.sampler.cpuMs,
    };
  }

  /** First reason wins: a timeout during a cancel stays a cancel. */
  private terminate(reason: StopReason): void {
    if (this.stop) return;
    this.stop = reason;
    if (this.exited) return;
    signalGroup(this.pid, 'SIGTERM');
    this.timers.push(this.s.clock.setTimer(() => signalGroup(this.pid, 'SIGKILL'), this.s.killGraceMs));
  }

  private onLine(stream: OutputStream, text: string): void {
    if (text.trim()) this.lastLine = text;
    const line: OutputLine = { stream, text, at: this.s.clock.now() };
    this.ring.push(line);
    for (const listener of this.listeners) {
      try {
        listener(line);
      } catch {
        // A broken viewer must not break the run.
      }
    }
  }

  /**
   * Upstream reports headless runs that print their JSON and never exit: once stdout ends with a
   * complete envelope, the agent gets a short grace, then its group is stopped; the result stands.
   * Parsed only when a chunk ends a JSON object, so floods of other output cost nothing.
   */
  private watchEnvelope(chunk: Buffer): void {
    // Output still drained after the exit must not arm a grace that would signal a reaped pid.
    if (this.envelopeTimer !== undefined || this.stop || this.exited) return;
    const tail = chunk.toString('utf8', Math.max(0, chunk.length - 4)).trimEnd();
    if (!tail.endsWith('}')) return;
    if (!parseEnvelope(this.stdoutTail.text()).ok) return;
    const graceMs = this.s.envelopeGraceMs;
    this.envelopeTimer = this.s.clock.setTimer(
      () => this.terminate({ kind: 'after_envelope', graceMs }),
      graceMs,
    );
    this.timers.push(this.envelopeTimer);
  }

  private async finish(exit: SpawnExit): Promise<RunOutcome> {
    this.exited = true;
    for (const t of this.timers) this.s.clock.clearTimer(t);
    this.sampler.stop();
    // The agent is gone; anything it left in its tree would otherwise run unsupervised.
    const leftovers = processTree(this.pid, this.s.procStartTime);
    if (leftovers.length > 0) {
      signalGroup(this.pid, 'SIGKILL');
      signalPids(
        leftovers.map((p) => p.pid),
        'SIGKILL',
      );
    }
    await this.drain();
    this.log.close();
    const outcome = classify({
      exit,
      stop: this.stop,
      stdoutTail: this.stdoutTail.text(),
      lastLine: this.lastLine,
      stderrLines: this.ring
        .lines()
        .filter((l) => l.stream === 'stderr')
        .map((l) => l.text),
      durationMs: this.s.clock.now() - this.startedAt,
      peakRssBytes: this.sampler.peakRssBytes,
      cpuMs: this.sampler.cpuMs,
    });
    await this.s.onEnd().catch(() => {});
    return outcome;
  }

  private drain(): Promise<void> {
    const ended = (p: NodeJS.ReadableStream & { readableEnded?: boolean; destroyed?: boolean }) =>
      p.readableEnded || p.destroyed
        ? Promise.resolve()
        : new Promise<void>((r) => p.once('close', r).once('end', r));
    return new Promise<void>((resolve) => {
      const timer = this.s.clock.setTimer(() => {
        this.child.stdout.destroy();
        this.child.stderr.destroy();
        resolve();
      }, STREAM_DRAIN_MS);
      void Promise.all([ended(this.child.stdout), ended(this.child.stderr)]).then(() => {
        this.s.clock.clearTimer(timer);
        resolve();
      });
    });
  }
}
