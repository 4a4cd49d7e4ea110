import { WebSocket } from 'ws';
import { PEER_LIMITS, PEER_SOCKET_PATH } from '../../shared/cluster.js';
import type { Logger } from '../log/logger.js';
import type { PeerTransport } from '../runtime/module.js';
import { NetworkFaults } from './faults.js';
import type { Keyring } from './peer-auth.js';
import { PeerSession, type Rejection, type SessionContext } from './peer-session.js';
import type { Transport, TransportStats } from './transport.js';
import type { PeerMessage } from './types.js';

/** Settings of the WebSocket transport. */
export interface WsTransportOptions {
  /** This node's id. */
  nodeId: string;
  /** host:port peers reach this daemon at. */
  address: string;
  /** The store identity (read once the store is up; empty until then refuses nobody wrongly: peers wait). */
  storeIdentity: () => string;
  /** Cluster keys. */
  keyring: Keyring;
  /** Connect with wss:// instead of ws://. */
  secure?: boolean;
  /** CA certificates to trust for wss:// (PEM), instead of the system's. */
  ca?: string | string[];
  /** The fault seam (chaos); a fresh clean one when absent. */
  faults?: NetworkFaults;
  /** The host's peer-transport wrappers (ctx.inject.peerTransport). */
  wrap?: (transport: PeerTransport) => PeerTransport;
  /** Pause before dialling an address again after a failed attempt. */
  redialMs?: number;
  logger: Logger;
}

const QUEUE_PER_ADDRESS = 64;

/**
 * SWIM over `/v1/peer` WebSockets. One authenticated session per peer (outgoing or incoming,
 * whichever is up), dialled on demand. A message to a peer without a session waits briefly while
 * one is dialled, or is lost: loss is the protocol's business. A session that breaks is a hint,
 * and the member is probed; it is never declared dead for that alone.
 */
export class WsTransport implements Transport {
  readonly stats: TransportStats = { bytesSent: 0, bytesReceived: 0, rejected: {} };
  readonly faults: NetworkFaults;
  private readonly sessions = new Map<string, PeerSession>();
  private readonly all = new Set<PeerSession>();
  private readonly dialling = new Map<string, string[]>();
  private readonly lastFailure = new Map<string, number>();
  private handler: ((message: PeerMessage, fromAddress: string) => void) | undefined;
  private hint: ((address: string) => void) | undefined;
  private readonly seam: PeerTransport;
  private readonly frameHandlers = new Set<(peer: string, frame: unknown) => void>();
  private readonly sessionContext: SessionContext;
  private closed = false;

  constructor(private readonly options: WsTransportOptions) {
    this.faults = options.faults ?? new NetworkFaults();
    const raw: PeerTransport = {
      send: async (peer, frame) => this.rawSend(peer, frame as PeerMessage),
      onFrame: (handler) => {
        this.frameHandlers.add(handler);
        return () => this.frameHandlers.delete(handler);
      },
    };
    this.seam = options.wrap ? options.wrap(raw) : raw;
    this.seam.onFrame((peer, frame) => this.handler?.(frame as PeerMessage, peer));
    this.sessionContext = {
      self: { node: options.nodeId, address: options.address, store: options.storeIdentity },
      keyring: options.keyring,
      logger: options.logger,
      reject: (reason) => this.reject(reason),
      received: (bytes) => {
        this.stats.bytesReceived += bytes;
      },
      onMessage: (message, session) => this.received(session.peerAddress!, message),
      onEstablished: (session) => {
        this.sessions.set(session.peerAddress!, session);
        this.lastFailure.delete(session.peerAddress!);
      },
      onClosed: (session, abnormal) => {
        this.all.delete(session);
        const address = session.peerAddress;
        if (!address || this.sessions.get(address) !== session) return;
        this.sessions.delete(address);
        if (abnormal && session.established && !this.closed) this.hint?.(address);
      },
    };
  }

  get address(): string {
    return this.options.address;
  }

  /** Takes over a socket accepted on /v1/peer. */
  accept(ws: WebSocket): void {
    if (this.closed) {
      ws.close(1001, 'shutting down');
      return;
    }
    this.all.add(new PeerSession(ws, 'accepting', this.sessionContext));
  }

  send(address: string, message: PeerMessage): void {
    this.seam.send(address, message).catch(() => {});
  }

  onMessage(handler: (message: PeerMessage, fromAddress: string) => void): void {
    this.handler = handler;
  }

  onHint(handler: (address: string) => void): void {
    this.hint = handler;
  }

  /** Sessions up now (for metrics and tests). */
  get connected(): number {
    return this.sessions.size;
  }

  async close(): Promise<void> {
    this.closed = true;
    const closing = [...this.all].map(
      (session) =>
        new Promise<void>((resolve) => {
          if (session.socket.readyState === session.socket.CLOSED) return resolve();
          session.socket.once('close', () => resolve());
          session.close(1001, 'shutting down');
          setTimeout(() => {
            session.socket.terminate();
            resolve();
          }, 1_000).unref();
        }),
    );
    await Promise.all(closing);
  }

  /** Drops every socket without a close frame, as a killed process's do (tests and benchmarks). */
  abort(): void {
    this.closed = true;
    for (const session of this.all) session.socket.terminate();
  }

  private reject(reason: Rejection): void {
    this.stats.rejected[reason] = (this.stats.rejected[reason] ?? 0) + 1;
  }

  /** From the socket (authenticated): the fault seam's incoming side, then the host's wrappers. */
  private received(from: string, message: PeerMessage): void {
    if (this.faults.idle) {
      if (!this.closed) for (const handler of this.frameHandlers) handler(from, message);
      return;
    }
    const verdict = this.faults.decideIncoming(from, this.options.address);
    if (verdict.drop) return;
    const dispatch = () => {
      if (this.closed) return;
      for (const handler of this.frameHandlers) handler(from, message);
    };
    const pace = () => this.faults.pace('in', from, () => JSON.stringify(message).length, dispatch);
    if (verdict.delayMs > 0) setTimeout(pace, verdict.delayMs).unref();
    else pace();
  }

  /** After the host's wrappers: the fault seam, then the socket. */
  private rawSend(address: string, message: PeerMessage): void {
    if (this.closed) return;
    // No fault in force (chaos off, or idle): straight to the socket, no verdict built.
    if (this.faults.idle) {
      this.deliver(address, JSON.stringify(message));
      return;
    }
    const verdict = this.faults.decide(this.options.address, address);
    if (verdict.drop) return;
    const body = JSON.stringify(message);
    const pace = () =>
      this.faults.pace(
        'out',
        address,
        () => body.length,
        // Released later (delay, bandwidth): a closed transport dials no one again.
        () => {
          if (!this.closed) this.deliver(address, body);
        },
      );
    if (verdict.delayMs > 0) setTimeout(pace, verdict.delayMs).unref();
    else pace();
  }

  private deliver(address: string, body: string): void {
    const session = this.sessions.get(address);
    if (session?.send(body)) {
      this.stats.bytesSent += body.length;
      return;
    }
    const queue = this.dialling.get(address);
    if (queue) {
      if (queue.length < QUEUE_PER_ADDRESS) queue.push(body);
      return;
    }
    const failedAt = this.lastFailure.get(address);
    if (failedAt !== undefined && Date.now() - failedAt < (this.options.redialMs ?? 1_000)) return;
    this.dial(address, [body]);
  }

  private dial(address: string, queue: string[]): void {
    this.dialling.set(address, queue);
    const url = `${this.options.secure ? 'wss' : 'ws'}://${address}${PEER_SOCKET_PATH}`;
    let ws: WebSocket;
    try {
      ws = new WebSocket(url, {
        maxPayload: PEER_LIMITS.maxFrameBytes,
        handshakeTimeout: PEER_LIMITS.handshakeTimeoutMs,
        perMessageDeflate: false,
        ...(this.options.ca ? { ca: this.options.ca } : {}),
      });
    } catch {
      this.dialling.delete(address);
      this.lastFailure.set(address, Date.now());
      return;
    }
    const session = new PeerSession(
      ws,
      'connecting',
      {
        ...this.sessionContext,
        onEstablished: (s) => {
          this.sessionContext.onEstablished(s);
          const pending = this.dialling.get(address) ?? [];
          this.dialling.delete(address);
          for (const body of pending) if (s.send(body)) this.stats.bytesSent += body.length;
        },
        onClosed: (s, abnormal) => {
          if (this.dialling.get(address) === queue) {
            this.dialling.delete(address);
            this.lastFailure.set(address, Date.now());
          }
          this.sessionContext.onClosed(s, abnormal);
        },
      },
      address,
    );
    this.all.add(session);
    ws.on('error', () => {}); // a refused or reset connection: the close handler cleans up
  }
}
