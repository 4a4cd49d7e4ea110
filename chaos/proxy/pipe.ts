import type { Socket } from 'node:net';
import type { Toxic } from '../faults/spec.js';

/** The toxics in force on one direction at the moment a chunk passes. */
export type ActiveToxics = () => Toxic[];

/** A chunk held back by the toxics, and when it may leave (performance.now() ms). */
interface Held {
  chunk: Buffer;
  releaseAt: number;
}

/**
 * One direction of a proxied connection. Without toxics it is a plain pipe with backpressure;
 * with toxics every chunk gets a release time (latency ± jitter, bandwidth) and chunks leave in
 * order, or it is dropped (blackhole), or both sockets are reset (reset_peer).
 *
 * Held chunks wait in one FIFO behind one timer, armed for the head only. A timer per chunk does
 * not keep the order: Node fires timers by the event loop's own millisecond clock, not by the
 * clock the schedule is computed in, and timers of different durations sit in different lists, so
 * two chunks due within about a millisecond of each other (a short chunk's transmit time: 20 bytes
 * at 32 KiB/s is 0.6 ms) can leave in either order. A reordered PostgreSQL reply (ReadyForQuery
 * ahead of the end of a DataRow) leaves the client waiting for bytes that never come.
 */
export class Pipe {
  /** Release time of the last chunk queued (performance.now() ms: a wall-clock step cannot stall it). */
  private releaseAt = 0;
  private readonly held: Held[] = [];
  /** Index of the next chunk to release in `held`. */
  private head = 0;
  private timer: NodeJS.Timeout | undefined;
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
    // Nothing held can be delivered any more: drop it and its timer.
    to.on('close', () => this.discard());
  }

  /** Chunks held back, not yet released. */
  private get pending(): number {
    return this.held.length - this.head;
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
    const now = performance.now();
    const transmitMs = rate === undefined ? 0 : (chunk.length / (rate * 1024)) * 1000;
    // In order: a chunk never overtakes the one before it, whatever its own jitter.
    this.releaseAt = Math.max(this.releaseAt, now + delay) + transmitMs;
    this.held.push({ chunk, releaseAt: this.releaseAt });
    this.arm(now);
  }

  /** One timer, for the head of the queue. */
  private arm(now: number): void {
    if (this.timer !== undefined || this.pending === 0) return;
    const next = this.held[this.head] as Held;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.release();
      },
      Math.max(0, next.releaseAt - now),
    );
  }

  /** Writes every chunk that is due, oldest first, then waits for the next one. */
  private release(): void {
    const now = performance.now();
    while (this.pending > 0) {
      const next = this.held[this.head] as Held;
      if (next.releaseAt > now) break;
      this.head++;
      if (!this.to.destroyed) this.to.write(next.chunk);
    }
    // Released chunks are let go in batches, not one shift() per chunk.
    if (this.head >= 1024 || this.pending === 0) {
      this.held.splice(0, this.head);
      this.head = 0;
    }
    if (this.pending > 0) this.arm(now);
    else if (this.endRequested) this.finishEnd();
  }

  private discard(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.held.length = 0;
    this.head = 0;
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
