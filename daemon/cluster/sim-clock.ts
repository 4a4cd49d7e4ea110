import type { Clock } from '../agents/clock.js';

interface Timer {
  at: number;
  order: number;
  fn: () => void;
  cancelled: boolean;
}

/**
 * A discrete-event clock for tests and the simulation: time only moves when `advance` says so, and
 * timers fire in time order (ties in the order they were set). Thousands of members share one.
 */
export class SimClock implements Clock {
  private time: number;
  private counter = 0;
  private readonly heap: Timer[] = [];

  constructor(start = 1_000_000) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimer(fn: () => void, ms: number): unknown {
    const timer: Timer = { at: this.time + Math.max(0, ms), order: this.counter++, fn, cancelled: false };
    this.push(timer);
    return timer;
  }

  clearTimer(handle: unknown): void {
    if (handle) (handle as Timer).cancelled = true;
  }

  /** Runs every timer due within the next `ms`, then leaves the clock at now + ms. */
  advance(ms: number): void {
    const until = this.time + ms;
    while (this.heap.length > 0 && this.heap[0]!.at <= until) {
      const timer = this.pop();
      if (timer.cancelled) continue;
      this.time = timer.at;
      timer.fn();
    }
    this.time = until;
  }

  /** Advances in steps of `stepMs` until `check` holds or `limitMs` passed; returns the time taken or null. */
  until(check: () => boolean, limitMs: number, stepMs = 10): number | null {
    const start = this.time;
    while (this.time - start <= limitMs) {
      if (check()) return this.time - start;
      this.advance(stepMs);
    }
    return null;
  }

  private before(a: Timer, b: Timer): boolean {
    return a.at < b.at || (a.at === b.at && a.order < b.order);
  }

  private push(timer: Timer): void {
    const heap = this.heap;
    heap.push(timer);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  private pop(): Timer {
    const heap = this.heap;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && this.before(heap[l]!, heap[m]!)) m = l;
        if (r < heap.length && this.before(heap[r]!, heap[m]!)) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m]!, heap[i]!];
        i = m;
      }
    }
    return top;
  }
}
