import type { Clock } from '../agents/clock.js';
import { NetworkFaults } from './faults.js';
import type { Rng } from './random.js';
import type { Transport, TransportStats } from './transport.js';
import type { PeerMessage } from './types.js';

type Handler = (message: PeerMessage, fromAddress: string) => void;

/** Options of an in-memory network. */
export interface MemoryNetworkOptions {
  /** Base one-way latency (ms). */
  latencyMs?: number;
  /** Count bytes as the JSON length of each message (costs CPU in big simulations). */
  measureBytes?: boolean;
}

/** One member's end of the in-memory network. */
export class MemoryTransport implements Transport {
  readonly stats: TransportStats = { bytesSent: 0, bytesReceived: 0, rejected: {} };
  handler: Handler | undefined;
  hint: ((address: string) => void) | undefined;

  constructor(
    readonly address: string,
    private readonly network: MemoryNetwork,
    /** Faults applied to what this member sends and receives (the same seam the WebSocket transport has). */
    readonly faults: NetworkFaults,
  ) {}

  send(address: string, message: PeerMessage): void {
    this.network.deliver(this, address, message);
  }

  onMessage(handler: Handler): void {
    this.handler = handler;
  }

  onHint(handler: (address: string) => void): void {
    this.hint = handler;
  }

  async close(): Promise<void> {
    this.network.remove(this.address, false);
  }
}

/**
 * Members in one process exchanging messages through a shared clock: latency, and the faults of
 * the sender's seam (outgoing), the receiver's (incoming) and the network-wide ones (loss, delay,
 * jitter, partitions, bandwidth limits: their buckets run on the network's clock). A killed member
 * may reset its connections (peers get a hint, like a TCP RST) or vanish silently (a cut cable).
 */
export class MemoryNetwork {
  /** Faults on every message, on top of each sender's own. */
  readonly faults: NetworkFaults;
  private readonly endpoints = new Map<string, MemoryTransport>();
  private readonly isolated = new Set<string>();
  /** Messages delivered (after faults). */
  delivered = 0;
  /** Messages dropped by faults. */
  dropped = 0;

  constructor(
    private readonly clock: Clock,
    private readonly rng: Rng,
    private readonly options: MemoryNetworkOptions = {},
  ) {
    this.faults = new NetworkFaults(rng, clock);
  }

  /** A new member endpoint at `address`. */
  endpoint(address: string): MemoryTransport {
    const transport = new MemoryTransport(address, this, new NetworkFaults(this.rng, this.clock));
    this.endpoints.set(address, transport);
    return transport;
  }

  /** Removes `address`; with `reset`, every other endpoint gets a hint that its connection broke. */
  remove(address: string, reset: boolean): void {
    if (!this.endpoints.delete(address)) return;
    if (reset) for (const other of this.endpoints.values()) other.hint?.(address);
  }

  /** Cuts `address` off (in and out) until `rejoin`: a paused process or a pulled cable. */
  isolate(address: string): void {
    this.isolated.add(address);
  }

  /** Ends `isolate`. */
  rejoin(address: string): void {
    this.isolated.delete(address);
  }

  deliver(from: MemoryTransport, to: string, message: PeerMessage): void {
    const bytes = this.options.measureBytes === false ? 0 : JSON.stringify(message).length;
    from.stats.bytesSent += bytes;
    const own = from.faults.decide(from.address, to);
    const shared = this.faults.decide(from.address, to);
    const theirs = this.endpoints.get(to)?.faults.decideIncoming(from.address, to);
    if (own.drop || shared.drop || theirs?.drop || this.isolated.has(from.address) || this.isolated.has(to)) {
      this.dropped++;
      return;
    }
    const delay = (this.options.latencyMs ?? 1) + own.delayMs + shared.delayMs + (theirs?.delayMs ?? 0);
    // Sized only when a limit applies: a simulation without measureBytes pays nothing.
    const size = () => bytes || JSON.stringify(message).length;
    const arrive = () => {
      const target = this.endpoints.get(to);
      if (!target?.handler || this.isolated.has(to)) return;
      this.delivered++;
      target.stats.bytesReceived += bytes;
      target.handler(message, from.address);
    };
    // The sender's and the network's buckets, then the wire, then the receiver's; without a limit
    // each releases at once and the message takes one timer, as it did before limits were honoured.
    from.faults.pace('out', to, size, () =>
      this.faults.pace('out', to, size, () =>
        this.clock.setTimer(() => {
          const target = this.endpoints.get(to);
          if (!target?.handler || this.isolated.has(to)) return;
          target.faults.pace('in', from.address, size, arrive);
        }, delay),
      ),
    );
  }
}
