import { type BucketClock, PeerBucket, realBucketClock } from './bandwidth.js';
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

/** Shaping of the messages exchanged with some peers only, on top of the direction's own knobs. */
export interface PeerShape {
  /** The peers' addresses (host:port), or null for every peer. */
  peers: ReadonlySet<string> | null;
  /** Probability (0–1) that a message is dropped. */
  loss: number;
  /** Fixed extra delay (ms). */
  delayMs: number;
  /** Uniform jitter added on top of the delay (0 … jitterMs). */
  jitterMs: number;
  /** Rate limit per peer in KiB/s (a token bucket per peer, messages queued in order). */
  bandwidthKbps?: number;
}

/** The knobs chaos turns for one direction; the first four apply to every message that way. */
export interface FaultSettings {
  /** Probability (0–1) that a message is dropped. */
  loss: number;
  /** Fixed extra delay (ms). */
  delayMs: number;
  /** Uniform jitter added on top of the delay (0 … jitterMs). */
  jitterMs: number;
  /** Cuts in force. */
  partitions: Partition[];
  /** Shaping for chosen peers, and bandwidth limits (stacked: losses combine, delays add, the lowest rate holds). */
  shapes: PeerShape[];
}

/**
 * The one seam where delay, loss, partitions and bandwidth are applied, on each direction apart: every
 * transport asks `decide` about every outgoing message (after signing, before the wire) and
 * `decideIncoming` about every message received (after authentication, before the protocol), so
 * what chaos injects is what peers see. A transport that can wait in real time passes what the
 * verdict lets through to `pace` (bandwidth limits, per peer).
 */
export class NetworkFaults {
  private settings: Record<FaultDirection, FaultSettings> = { out: clean(), in: clean() };
  private clean = true;
  private readonly buckets: Record<FaultDirection, Map<string, PeerBucket>> = {
    out: new Map(),
    in: new Map(),
  };
  /** Messages dropped because a peer's bandwidth queue was full. */
  bandwidthDropped = 0;

  /** No fault in force either way: a transport may skip `decide` (the hot path pays one field read). */
  get idle(): boolean {
    return this.clean;
  }

  private changed(): void {
    this.clean = isClean(this.settings.out) && isClean(this.settings.in);
  }

  constructor(
    private readonly rng: Rng = Math.random,
    /** What bandwidth buckets refill by and wait on (a simulation passes its clock). */
    private readonly clock: BucketClock = realBucketClock,
  ) {}

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
    for (const shape of next.shapes) {
      if (!(shape.loss >= 0 && shape.loss <= 1)) throw new RangeError('loss must be between 0 and 1');
      if (!(shape.delayMs >= 0) || !(shape.jitterMs >= 0))
        throw new RangeError('delay and jitter must be ≥ 0');
      if (shape.bandwidthKbps !== undefined && !(shape.bandwidthKbps > 0))
        throw new RangeError('bandwidth must be > 0');
    }
    this.settings[direction] = next;
    this.changed();
    this.rebucket(direction);
  }

  /**
   * Passes one message of `bytes()` to (out) or from (in) `peer` through its bandwidth limit:
   * `release` runs now when no limit applies or the bucket allows, else later, in order. A message
   * that would overfill the peer's queue is dropped (counted in `bandwidthDropped`).
   */
  pace(direction: FaultDirection, peer: string, bytes: () => number, release: () => void): void {
    const kbps = rate(this.settings[direction], peer);
    if (kbps === undefined) {
      release();
      return;
    }
    const buckets = this.buckets[direction];
    let bucket = buckets.get(peer);
    if (!bucket) {
      bucket = new PeerBucket(kbps, this.clock);
      buckets.set(peer, bucket);
    }
    if (!bucket.submit(bytes(), release)) this.bandwidthDropped++;
  }

  /** Buckets follow the limits: a lifted one releases its queue at once, a changed one takes the new rate. */
  private rebucket(direction: FaultDirection): void {
    const buckets = this.buckets[direction];
    for (const [peer, bucket] of buckets) {
      const kbps = rate(this.settings[direction], peer);
      if (kbps !== undefined) {
        bucket.setRate(kbps);
        continue;
      }
      buckets.delete(peer);
      bucket.flush();
    }
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
    this.rebucket('out');
    this.rebucket('in');
  }

  /** The fate of one message this node sends from `from` to `to`. */
  decide(from: string, to: string): FaultVerdict {
    return this.verdict(this.settings.out, from, to, to);
  }

  /** The fate of one message this node received from `from` (the sender's address) at `to`. */
  decideIncoming(from: string, to: string): FaultVerdict {
    return this.verdict(this.settings.in, from, to, from);
  }

  private verdict(settings: FaultSettings, from: string, to: string, peer: string): FaultVerdict {
    const { partitions } = settings;
    for (const cut of partitions)
      if ((cut.a.has(from) && cut.b.has(to)) || (cut.b.has(from) && cut.a.has(to)))
        return { drop: true, delayMs: 0 };
    let delay = 0;
    for (const shape of [settings, ...settings.shapes]) {
      if ('peers' in shape && shape.peers && !shape.peers.has(peer)) continue;
      if (shape.loss > 0 && this.rng() < shape.loss) return { drop: true, delayMs: 0 };
      delay += shape.delayMs + (shape.jitterMs > 0 ? this.rng() * shape.jitterMs : 0);
    }
    return { drop: false, delayMs: delay };
  }
}

function clean(): FaultSettings {
  return { loss: 0, delayMs: 0, jitterMs: 0, partitions: [], shapes: [] };
}

function copy(settings: FaultSettings): FaultSettings {
  return { ...settings, partitions: [...settings.partitions], shapes: [...settings.shapes] };
}

function isClean({ loss, delayMs, jitterMs, partitions, shapes }: FaultSettings): boolean {
  return loss === 0 && delayMs === 0 && jitterMs === 0 && partitions.length === 0 && shapes.length === 0;
}

/** The lowest bandwidth limit on `peer`, if any. */
function rate(settings: FaultSettings, peer: string): number | undefined {
  let lowest: number | undefined;
  for (const shape of settings.shapes) {
    if (shape.bandwidthKbps === undefined || (shape.peers && !shape.peers.has(peer))) continue;
    lowest = lowest === undefined ? shape.bandwidthKbps : Math.min(lowest, shape.bandwidthKbps);
  }
  return lowest;
}
