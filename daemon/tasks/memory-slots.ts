import { freemem } from 'node:os';

/**
 * Memory-aware slots for process agents: free memory (MemAvailable on Linux) divided by the
 * per-run peak RSS measured so far. The peak decays slowly (×0.9 per run) so one unusual run
 * does not shrink the node forever, and a bigger one counts at once.
 */
export class MemorySlots {
  private peak = 0;

  constructor(private readonly free: () => number = freemem) {}

  /** Records a finished run's peak RSS of its whole process tree. */
  record(peakRssBytes: number): void {
    if (peakRssBytes > 0) this.peak = Math.max(peakRssBytes, this.peak * 0.9);
  }

  /** Runs that fit in free memory now; undefined until a run was measured. */
  slots(): number | undefined {
    return this.peak > 0 ? Math.floor(this.free() / this.peak) : undefined;
  }

  /** The per-run peak in use, bytes (0 before any run). */
  get peakBytes(): number {
    return this.peak;
  }
}
