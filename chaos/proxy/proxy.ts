import { EventEmitter } from 'node:events';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { Toxic } from '../faults/spec.js';
import { Pipe } from './pipe.js';

/** Which way a toxic acts: client→server is `upstream`. */
export type Direction = 'upstream' | 'downstream' | 'both';

/** A toxic in force on a proxy. */
export interface ActiveToxic {
  /** Id chosen by whoever added it (the fault's id). */
  id: string;
  /** What it does. */
  toxic: Toxic;
  /** Which way. */
  direction: Direction;
}

/** Where a proxy listens and forwards to. */
export interface FaultProxyOptions {
  /** Name by which faults refer to it. */
  name: string;
  /** Listen host (loopback). */
  listenHost: string;
  /** Listen port; 0 = any free one. */
  listenPort: number;
  /** Upstream host. */
  upstreamHost: string;
  /** Upstream port. */
  upstreamPort: number;
}

interface Link {
  client: Socket;
  server: Socket;
  pipes: Pipe[];
}

/**
 * A TCP fault proxy in the manner of Toxiproxy: it forwards every connection to its upstream and
 * applies the toxics in force (latency ± jitter, bandwidth, reset_peer, blackhole, slow_close).
 * Removing the last toxic makes it a clean pipe again; `reset()` removes them all.
 */
export class FaultProxy extends EventEmitter {
  readonly name: string;
  private readonly server: Server;
  private readonly links = new Set<Link>();
  private readonly active = new Map<string, ActiveToxic>();
  port = 0;

  constructor(private readonly options: FaultProxyOptions) {
    super();
    this.name = options.name;
    this.server = createServer((client) => this.accept(client));
  }

  /** host:port it listens on. */
  get address(): string {
    return `${this.options.listenHost}:${this.port}`;
  }

  /** Toxics in force. */
  toxics(): ActiveToxic[] {
    return [...this.active.values()];
  }

  /** Open proxied connections. */
  get connections(): number {
    return this.links.size;
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.listenPort, this.options.listenHost, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const address = this.server.address();
    this.port = typeof address === 'object' && address ? address.port : 0;
  }

  private inForce(direction: 'upstream' | 'downstream'): Toxic[] {
    const out: Toxic[] = [];
    for (const a of this.active.values())
      if (a.direction === 'both' || a.direction === direction) out.push(a.toxic);
    return out;
  }

  private accept(client: Socket): void {
    const all = [...this.active.values()].map((a) => a.toxic.type);
    if (all.includes('reset_peer')) {
      client.resetAndDestroy();
      return;
    }
    const server = createConnection({ host: this.options.upstreamHost, port: this.options.upstreamPort });
    const link: Link = { client, server, pipes: [] };
    const resetBoth = () => {
      client.resetAndDestroy();
      server.resetAndDestroy();
    };
    link.pipes.push(
      new Pipe(client, server, () => this.inForce('upstream'), resetBoth),
      new Pipe(server, client, () => this.inForce('downstream'), resetBoth),
    );
    const drop = () => {
      if (!this.links.delete(link)) return;
      client.destroy();
      server.destroy();
    };
    client.on('error', drop);
    server.on('error', drop);
    client.on('close', drop);
    server.on('close', drop);
    this.links.add(link);
  }

  /** Adds (or replaces) a toxic; a reset_peer also resets every open connection. */
  addToxic(toxic: ActiveToxic): void {
    this.active.set(toxic.id, toxic);
    if (toxic.toxic.type === 'reset_peer')
      for (const link of [...this.links]) {
        link.client.resetAndDestroy();
        link.server.resetAndDestroy();
      }
    this.emit('change');
  }

  /** Removes a toxic; connections whose data a blackhole swallowed are closed, as they can no longer be trusted. */
  removeToxic(id: string): void {
    const removed = this.active.get(id);
    if (!this.active.delete(id)) return;
    if (removed?.toxic.type === 'blackhole')
      for (const link of [...this.links])
        if (link.pipes.some((p) => p.corrupted)) {
          link.client.destroy();
          link.server.destroy();
        }
    this.emit('change');
  }

  /** Removes every toxic (Toxiproxy's POST /reset). */
  reset(): void {
    for (const id of [...this.active.keys()]) this.removeToxic(id);
  }

  /** Stops listening and closes every connection. */
  async close(): Promise<void> {
    this.active.clear();
    for (const link of this.links) {
      link.client.destroy();
      link.server.destroy();
    }
    this.links.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
