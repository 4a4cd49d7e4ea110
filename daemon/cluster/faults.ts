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

/** Which messages a set of knobs acts on: the ones this node sends, or the ones it receives. */
export type FaultDirection = 'out' | 'in';

/** The knobs chaos turns for one direction; every field applies to every message that way. */
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
 * The one seam where delay, loss and partitions are applied, on each direction apart: every
 * transport asks `decide` about every outgoing message (after signing, before the wire) and
 * `decideIncoming` about every message received (after authentication, before the protocol), so
 * what chaos injects is what peers see.
 */
export class NetworkFaults {
  private settings: Record<FaultDirection, FaultSettings> = { out: clean(), in: clean() };
  private clean = true;

  /** No fault in force either way: a transport may skip `decide` (the hot path pays one field read). */
  get idle(): boolean {
    return this.clean;
  }

  private changed(): void {
    this.clean = isClean(this.settings.out) && isClean(this.settings.in);
  }

  constructor(private readonly rng: Rng = Math.random) {}

  /** Current settings for what this node sends (a copy). */
  get current(): FaultSettings {
    return copy(this.settings.out);
  }

  /** Current settings for what this node receives (a copy). */
  get incoming(): FaultSettings {
    return copy(this.settings.in);
  }

  /** Replaces some settings of one direction (default: outgoing); the rest stay. */
  set(change: Partial<FaultSettings>, direction: FaultDirection = 'out'): void {
    const next = { ...this.settings[direction], ...change };
    if (!(next.loss >= 0 && next.loss <= 1)) throw new RangeError('loss must be between 0 and 1');
    if (!(next.delayMs >= 0) || !(next.jitterMs >= 0)) throw new RangeError('delay and jitter must be ≥ 0');
    this.settings[direction] = next;
    this.changed();
  }

  /** Cuts `a` from `b` for what this node sends, until healed. */
  partition(a: Iterable<string>, b: Iterable<string>): void {
    const out = this.settings.out;
    out.partitions = [...out.partitions, { a: new Set(a), b: new Set(b) }];
    this.changed();
  }

  /** Back to a clean network, both ways. */
  reset(): void {
    this.settings = { out: clean(), in: clean() };
    this.clean = true;
  }

  /** The fate of one message this node sends from `from` to `to`. */
  decide(from: string, to: string): FaultVerdict {
    return this.verdict(this.settings.out, from, to);
  }

  /** The fate of one message this node received from `from` (the sender's address) at `to`. */
  decideIncoming(from: string, to: string): FaultVerdict {
    return this.verdict(this.settings.in, from, to);
  }

  private verdict(settings: FaultSettings, from: string, to: string): FaultVerdict {
    const { loss, delayMs, jitterMs, partitions } = settings;
    for (const cut of partitions)
      if ((cut.a.has(from) && cut.b.has(to)) || (cut.b.has(from) && cut.a.has(to)))
        return { drop: true, delayMs: 0 };
    if (loss > 0 && this.rng() < loss) return { drop: true, delayMs: 0 };
    return { drop: false, delayMs: delayMs + (jitterMs > 0 ? this.rng() * jitterMs : 0) };
  }
}

function clean(): FaultSettings {
  return { loss: 0, delayMs: 0, jitterMs: 0, partitions: [] };
}

function copy(settings: FaultSettings): FaultSettings {
  return { ...settings, partitions: [...settings.partitions] };
}

function isClean({ loss, delayMs, jitterMs, partitions }: FaultSettings): boolean {
  return loss === 0 && delayMs === 0 && jitterMs === 0 && partitions.length === 0;
}
