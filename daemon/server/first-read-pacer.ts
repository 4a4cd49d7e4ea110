import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Bounds how many new connections have their first request parsed per turn of the event loop.
 * libuv reads every socket that has data in one poll phase, and Node parses each request right
 * there: 2,000 clients connecting at once send their requests in one go, and one poll phase would
 * parse 700 of them (tens of ms) before a timer, /health or any answer ran. Once `perTurn` first
 * requests have arrived in a turn, every new connection not heard from yet stops reading (libuv
 * then skips it for the rest of the poll phase); `perTurn` of them read again at each later turn,
 * oldest first. Connections that already sent a request (keep-alive clients, a liveness prober)
 * are never held back, and nothing is dropped: a held connection's bytes wait in the kernel.
 */
export class FirstReadPacer {
  /** New connections reading and not heard from yet. */
  private readonly armed = new Set<Socket>();
  /** New connections stopped, oldest first, with the index of the next to resume. */
  private held: Socket[] = [];
  private next = 0;
  /** First requests seen since the last release. */
  private firsts = 0;
  private scheduled = false;

  constructor(
    server: Server,
    /** First requests parsed per turn before the others wait; at least 1. */
    private readonly perTurn: number,
  ) {
    if (!Number.isInteger(perTurn) || perTurn < 1) throw new RangeError('perTurn: must be an integer >= 1');
    server.on('connection', (socket: Socket) => {
      this.armed.add(socket);
      socket.once('close', () => this.armed.delete(socket));
    });
    server.on('request', (req) => this.heardFrom(req.socket as Socket));
    server.on('upgrade', (req) => this.heardFrom(req.socket as Socket));
  }

  /** Connections held back right now (for tests). */
  get holding(): number {
    return this.held.length - this.next;
  }

  private heardFrom(socket: Socket): void {
    if (!this.armed.delete(socket)) return;
    this.firsts += 1;
    this.schedule();
    if (this.firsts < this.perTurn) return;
    // The turn's share is used up: the new connections still due to be read this poll phase wait.
    for (const other of this.armed) {
      other.pause();
      this.held.push(other);
    }
    this.armed.clear();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.release());
  }

  private release(): void {
    this.scheduled = false;
    this.firsts = 0;
    for (let n = 0; n < this.perTurn && this.next < this.held.length; n++) {
      const socket = this.held[this.next] as Socket;
      this.next += 1;
      if (socket.destroyed) continue;
      this.armed.add(socket);
      socket.resume();
    }
    if (this.next >= this.held.length) {
      this.held = [];
      this.next = 0;
    } else this.schedule();
  }
}
