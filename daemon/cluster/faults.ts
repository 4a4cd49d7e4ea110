import type { Rng } from './random.js';

/** What happens to one message on its way. */
export interface FaultVerdict {
  /** The message is lost. */
  drop: boolean;
  /** Extra delay before it is delivered (ms). */
  delayMs: number;
}

/** A cut between two sets of addresses: nothing crosses it, in either direction. */
export interface Partition {
  /** One side (host:port addresses). */
  a: ReadonlySet<string>;
  /** The other side. */
  b: ReadonlySet<string>;
}

/** The knobs chaos turns; every field applies to every message this node sends. */
export interface FaultSettings {
  /** Probability (0–1) that a message is dropped. */
  loss: number;
  /** Fixed extra delay (ms). */
  delayMs: number;
  /** Uniform jitter added on top of the delay (0 … jitterMs). */
  jitterMs: number;
  /** Cuts in force. */
  partitions: Partition[];
}

/**
 * The one seam where delay, loss and partitions are applied: every transport asks it about every
 * outgoing message (after signing, before the wire), so what chaos injects is what peers see.
 */
export class NetworkFaults {
  private settings: FaultSettings = { loss: 0, delayMs: 0, jitterMs: 0, partitions: [] };
  private clean = true;

  /** No fault in force: a transport may skip `decide` (the hot path pays one field read). */
  get idle(): boolean {
    return this.clean;
  }

  private changed(): void {
    const { loss, delayMs, jitterMs, partitions } = this.settings;
    this.clean = loss === 0 && delayMs === 0 && jitterMs === 0 && partitions.length === 0;
  }

  constructor(private readonly rng: Rng = Math.random) {}

  /** Current settings (a copy). */
  get current(): FaultSettings {
    return { ...this.settings, partitions: [...this.settings.partitions] };
  }

  /** Replaces some settings; the rest stay. */
  set(change: Partial<FaultSettings>): void {
    const next = { ...this.settings, ...change };
    if (!(next.loss >= 0 && next.loss <= 1)) throw new RangeError('loss must be between 0 and 1');
    if (!(next.delayMs >= 0) || !(next.jitterMs >= 0)) throw new RangeError('delay and jitter must be ≥ 0');
    this.settings = next;
    this.changed();
  }

  /** Cuts `a` from `b` until healed. */
  partition(a: Iterable<string>, b: Iterable<string>): void {
    this.settings.partitions = [...this.settings.partitions, { a: new Set(a), b: new Set(b) }];
    this.changed();
  }

  /** Back to a clean network. */
  reset(): void {
    this.settings = { loss: 0, delayMs: 0, jitterMs: 0, partitions: [] };
    this.clean = true;
  }

  /** The fate of one message from `from` to `to`. */
  decide(from: string, to: string): FaultVerdict {
    const { loss, delayMs, jitterMs, partitions } = this.settings;
    for (const cut of partitions)
      if ((cut.a.has(from) && cut.b.has(to)) || (cut.b.has(from) && cut.a.has(to)))
        return { drop: true, delayMs: 0 };
    if (loss > 0 && this.rng() < loss) return { drop: true, delayMs: 0 };
    return { drop: false, delayMs: delayMs + (jitterMs > 0 ? this.rng() * jitterMs : 0) };
  }
}
