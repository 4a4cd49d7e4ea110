import { freemem } from 'node:os';

/**
 * Memory-aware slots for process agents: free memory (MemAvailable on Linux) divided by the
 * per-run peak RSS measured so far, per profile. Each profile's peak decays slowly (×0.9 per run
 * of that profile) so one unusual run does not shrink the node forever, and a bigger one counts at
 * once. Slots are shared by the process profiles and the next claim may be of any of them, so the
 * bound uses the heaviest profile's peak: many light runs never hide what one OpenClaw run needs.
 */
export class MemorySlots {
  private readonly peaks = new Map<string, number>();

  constructor(private readonly free: () => number = freemem) {}

  /** Records a finished run's peak RSS of its whole process tree. */
  record(peakRssBytes: number, profile = ''): void {
    if (peakRssBytes <= 0) return;
    this.peaks.set(profile, Math.max(peakRssBytes, (this.peaks.get(profile) ?? 0) * 0.9));
  }

  /** Runs that fit in free memory now; undefined until a run was measured. */
  slots(): number | undefined {
    const peak = this.peakBytes;
    return peak > 0 ? Math.floor(this.free() / peak) : undefined;
  }

  /** The per-run peak in use (the heaviest profile's), bytes (0 before any run). */
  get peakBytes(): number {
    return Math.max(0, ...this.peaks.values());
  }
}
