/** The time a bucket refills by and waits on: the wall clock, or a simulation's clock. */
export interface BucketClock {
  /** Milliseconds, monotonic. */
  now(): number;
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

/** Real time: performance.now() and unref'd timers (a bucket never keeps the process alive). */
export const realBucketClock: BucketClock = {
  now: () => performance.now(),
  setTimer: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimer: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** Bytes a peer's queue may hold before further messages to (or from) it are dropped. */
export const BANDWIDTH_QUEUE_BYTES = 1024 * 1024;

// Burst: 50 ms of the rate, so a limit holds from the first messages on.
const BURST_SECONDS = 0.05;

/**
 * A token bucket with an ordered queue, for the messages to (or from) one peer. A message leaves
 * while the bucket holds any token, and takes its size from it (the bucket may go into debt), so a
 * message larger than the burst still passes at the rate. Messages wait in order behind it.
 */
export class PeerBucket {
  private tokens: number;
  private last: number;
  private readonly queue: { bytes: number; release: () => void }[] = [];
  private queuedBytes = 0;
  private timer: unknown;

  constructor(
    private kbps: number,
    private readonly clock: BucketClock = realBucketClock,
  ) {
    this.tokens = this.burst;
    this.last = clock.now();
  }

  private get burst(): number {
    return this.kbps * 1024 * BURST_SECONDS;
  }

  /** A new rate for what is queued and what comes next. */
  setRate(kbps: number): void {
    this.refill();
    this.kbps = kbps;
    this.tokens = Math.min(this.tokens, this.burst);
  }

  /** Sends now, or queues in order; false when the queue is full and the message is dropped. */
  submit(bytes: number, release: () => void): boolean {
    if (this.queue.length === 0) {
      this.refill();
      if (this.tokens > 0) {
        this.tokens -= bytes;
        release();
        return true;
      }
    }
    if (this.queuedBytes + bytes > BANDWIDTH_QUEUE_BYTES) return false;
    this.queue.push({ bytes, release });
    this.queuedBytes += bytes;
    this.schedule();
    return true;
  }

  /** Releases everything queued at once, in order (the limit was lifted). */
  flush(): void {
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timer = undefined;
    const queued = this.queue.splice(0);
    this.queuedBytes = 0;
    for (const message of queued) message.release();
  }

  private refill(): void {
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.kbps * 1024);
    this.last = now;
  }

  private schedule(): void {
    if (this.timer !== undefined) return;
    const wait = Math.max(1, Math.ceil(((1 - this.tokens) / (this.kbps * 1024)) * 1000));
    this.timer = this.clock.setTimer(() => this.drain(), wait);
  }

  private drain(): void {
    this.timer = undefined;
    this.refill();
    while (this.queue.length > 0 && this.tokens > 0) {
      const message = this.queue.shift()!;
      this.queuedBytes -= message.bytes;
      this.tokens -= message.bytes;
      message.release();
    }
    if (this.queue.length > 0) this.schedule();
  }
}
