import { statfs } from 'node:fs/promises';
import type { HealthCheck } from '../health/types.js';
import { backoffDelay } from '../util/backoff.js';

/** Errors that say the host is short of something (disk, descriptors, processes, memory), not that the task is bad. */
const ENVIRONMENTAL = ['ENOSPC', 'EDQUOT', 'EMFILE', 'ENFILE', 'EAGAIN', 'ENOMEM', 'ENOTINSTALLED'] as const;
const ENVIRONMENTAL_RE = new RegExp(`\\b(${ENVIRONMENTAL.join('|')})\\b`);

/**
 * The error code when a launch failed because of the host, found on the error, its causes, or
 * in the message (a spawn error reaches us as text); undefined for any other failure.
 */
export function environmentalCause(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && (ENVIRONMENTAL as readonly string[]).includes(code)) return code;
    const found = ENVIRONMENTAL_RE.exec(e instanceof Error ? e.message : String(e));
    if (found) return found[1];
  }
  return undefined;
}

/** Gate settings. */
export interface ClaimGateSettings {
  /** The data dir, whose filesystem holds run folders, logs and the SQLite store. */
  dataDir: string;
  /** Free bytes under which the node stops claiming (tasks.disk_floor_mb). */
  diskFloorBytes: number;
  /** First pause after a launch failed for an environmental reason (tasks.retry_base). */
  retryBaseMs: number;
  /** Longest such pause (tasks.retry_max). */
  retryMaxMs: number;
  /** Clock. */
  now?: () => number;
}

/**
 * Decides whether this node may claim now. A launch that fails because of the host pauses claiming
 * with exponential backoff (the task goes back to the queue without losing an attempt), so a
 * backlog is not burnt at claim speed; a disk below its floor stops claiming until it has room.
 */
export class ClaimGate {
  private failures = 0;
  private pausedUntil = 0;
  private pauseReason = '';
  private readonly now: () => number;

  constructor(private readonly s: ClaimGateSettings) {
    this.now = s.now ?? Date.now;
  }

  /** Records an environmental launch failure; returns the pause (ms) before the next claim. */
  launchFailed(code: string, message: string): number {
    this.failures += 1;
    const pause = backoffDelay(this.failures, this.s.retryBaseMs, this.s.retryMaxMs);
    this.pausedUntil = this.now() + pause;
    this.pauseReason = `agent launches fail with ${code} (${message})`;
    return pause;
  }

  /** A launch worked: the host has what it needs again. */
  launched(): void {
    this.failures = 0;
    this.pausedUntil = 0;
  }

  /** Why the node must not claim now, or undefined when it may. */
  async blocked(): Promise<string | undefined> {
    const left = this.pausedUntil - this.now();
    if (left > 0) return `${this.pauseReason}: claiming paused for ${left} ms`;
    if (this.s.diskFloorBytes <= 0) return undefined;
    try {
      const free = await this.freeBytes();
      if (free < this.s.diskFloorBytes)
        return `disk below floor: ${free} bytes free under ${this.s.dataDir}, floor ${this.s.diskFloorBytes} (tasks.disk_floor_mb)`;
    } catch {
      // A data dir we cannot stat fails the launch itself, which pauses claiming above.
    }
    return undefined;
  }

  private freeAt = 0;
  private free = Number.POSITIVE_INFINITY;

  /** Free bytes under the data dir, looked up at most every 500 ms: a burst wakes the claim loop per submit. */
  private async freeBytes(): Promise<number> {
    if (this.now() - this.freeAt >= 500) {
      const fs = await statfs(this.s.dataDir);
      this.free = fs.bavail * fs.bsize;
      this.freeAt = this.now();
    }
    return this.free;
  }

  /** Readiness check: fails while the node does not claim. */
  healthCheck(): HealthCheck {
    return {
      name: 'tasks:claiming',
      componentType: 'component',
      componentId: this.s.dataDir,
      affects: 'ready',
      group: 'fast',
      failuresBeforeFail: 1,
      run: async () => {
        const why = await this.blocked();
        return why
          ? { status: 'fail', observedValue: false, output: `not claiming: ${why}` }
          : { status: 'pass', observedValue: true, output: 'claiming' };
      },
    };
  }
}
