import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { TurnQueue } from '../util/turn-queue.js';

/**
 * Bounds how many new connections have their first request parsed per turn of the event loop.
 * libuv reads every socket that has data in one poll phase, and Node parses each request right
 * there: 2,000 clients connecting at once send their requests in one go, and one poll phase would
 * parse 700 of them (tens of ms) before a timer, /health or any answer ran. Once more than
 * `perTurn` first requests have arrived in a turn, every new connection not heard from yet stops
 * reading (libuv then skips it for the rest of the poll phase); `perTurn` of them read again at
 * each later turn, oldest first. Connections that already sent a request (keep-alive clients, a liveness prober)
 * are never held back, and nothing is dropped: a held connection's bytes wait in the kernel.
 */
export class FirstReadPacer {
  /** New connections reading and not heard from yet. */
  private readonly armed = new Set<Socket>();
  /** Held connections let read again: their first request was counted when they were let go. */
  private readonly released = new WeakSet<Socket>();
  private readonly turns: TurnQueue;

  constructor(
    server: Server,
    /** First requests parsed per turn before the others wait; at least 1. */
    perTurn: number,
    /** The event that hands over the socket requests are read from (`secureConnection` on HTTPS). */
    connectionEvent: 'connection' | 'secureConnection' = 'connection',
  ) {
    this.turns = new TurnQueue(perTurn);
    server.on(connectionEvent, (socket: Socket) => {
      this.armed.add(socket);
      socket.once('close', () => this.armed.delete(socket));
    });
    server.on('request', (req) => this.heardFrom(req.socket as Socket));
    server.on('upgrade', (req) => this.heardFrom(req.socket as Socket));
  }

  private heardFrom(socket: Socket): void {
    if (!this.armed.delete(socket)) return;
    if (this.released.delete(socket) || this.turns.tryPass()) return;
    // The turn's share is used up: the new connections still due to be read this poll phase wait.
    for (const other of this.armed) {
      other.pause();
      void this.turns.pass().then(() => {
        if (other.destroyed) return;
        this.released.add(other);
        this.armed.add(other);
        other.resume();
      });
    }
    this.armed.clear();
  }
}
