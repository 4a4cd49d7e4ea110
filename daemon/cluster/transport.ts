import type { PeerMessage } from './types.js';

/** Counters every transport keeps (for /metrics and the benchmark). */
export interface TransportStats {
  /** Bytes handed to the wire. */
  bytesSent: number;
  /** Bytes received (before validation). */
  bytesReceived: number;
  /** Messages dropped on receipt (unauthenticated, replayed, malformed, oversized, rate-limited), by reason. */
  rejected: Record<string, number>;
}

/**
 * How members reach each other. Delivery is best effort: a message may be lost, late or duplicated,
 * and the protocol copes. A broken connection is reported as a hint, never as a failure verdict.
 */
export interface Transport {
  /** This node's own address as peers reach it (host:port). */
  readonly address: string;
  /** Sends one message to the member at `address`; never throws, a failure is just a lost message. */
  send(address: string, message: PeerMessage): void;
  /** Registers the receiver of valid messages; `fromAddress` is the sender's advertised address. */
  onMessage(handler: (message: PeerMessage, fromAddress: string) => void): void;
  /** Registers the receiver of hints that the connection to `address` broke. */
  onHint(handler: (address: string) => void): void;
  /** Counters. */
  readonly stats: TransportStats;
  /** Closes every connection. */
  close(): Promise<void>;
}

/**
 * The transport as SWIM sees it: messages that are not SWIM's (log proxy, task changes) go to
 * `side`, which returns true when it took one; everything else goes to SWIM.
 */
export function withSideChannels(
  transport: Transport,
  side: (message: { type: string }) => boolean,
): Transport {
  return {
    get address() {
      return transport.address;
    },
    get stats() {
      return transport.stats;
    },
    send: (address, message) => transport.send(address, message),
    onMessage: (handler) =>
      transport.onMessage((message, from) => {
        if (!side(message)) handler(message, from);
      }),
    onHint: (handler) => transport.onHint(handler),
    close: () => transport.close(),
  };
}
