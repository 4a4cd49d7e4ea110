import type { Socket } from 'node:net';
import type { Toxic } from '../faults/spec.js';

/** The toxics in force on one direction at the moment a chunk passes. */
export type ActiveToxics = () => Toxic[];

/**
 * One direction of a proxied connection. Without toxics it is a plain pipe with backpressure;
 * with toxics every chunk gets a release time (latency ± jitter, bandwidth) and chunks leave in
 * order, or it is dropped (blackhole), or both sockets are reset (reset_peer).
 */
export class Pipe {
  private releaseAt = 0;
  private pending = 0;
  private endRequested = false;
  /** True once a blackhole dropped data: the stream is no longer whole, so revert closes it. */
  corrupted = false;

  constructor(
    private readonly from: Socket,
    private readonly to: Socket,
    private readonly toxics: ActiveToxics,
    private readonly resetBoth: () => void,
  ) {
    from.on('data', (chunk: Buffer) => this.onData(chunk));
    from.on('end', () => this.onEnd());
  }

  private onData(chunk: Buffer): void {
    const toxics = this.toxics();
    if (toxics.some((t) => t.type === 'reset_peer')) {
      this.resetBoth();
      return;
    }
    if (toxics.some((t) => t.type === 'blackhole')) {
      this.corrupted = true;
      return;
    }
    let delay = 0;
    let rate: number | undefined;
    for (const t of toxics) {
      if (t.type === 'latency')
        delay += Math.max(0, t.latency_ms + (Math.random() * 2 - 1) * (t.jitter_ms ?? 0));
      if (t.type === 'bandwidth') rate = Math.min(rate ?? Number.POSITIVE_INFINITY, t.rate_kbps);
    }
    if (delay === 0 && rate === undefined && this.pending === 0) {
      if (!this.to.write(chunk)) {
        this.from.pause();
        this.to.once('drain', () => this.from.resume());
      }
      return;
    }
    const now = Date.now();
    const transmitMs = rate === undefined ? 0 : (chunk.length / (rate * 1024)) * 1000;
    // In order: a chunk never overtakes the one before it, whatever its own jitter.
    this.releaseAt = Math.max(this.releaseAt, now + delay) + transmitMs;
    this.pending++;
    setTimeout(() => {
      this.pending--;
      if (!this.to.destroyed) this.to.write(chunk);
      if (this.pending === 0 && this.endRequested) this.finishEnd();
    }, this.releaseAt - now);
  }

  private onEnd(): void {
    this.endRequested = true;
    if (this.pending === 0) this.finishEnd();
  }

  private finishEnd(): void {
    const slow = this.toxics().find((t) => t.type === 'slow_close');
    const end = () => {
      if (!this.to.destroyed) this.to.end();
    };
    if (slow && slow.type === 'slow_close') setTimeout(end, slow.delay_ms);
    else end();
  }
}
