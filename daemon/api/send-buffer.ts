import type { WebSocket } from 'ws';

/** How much a client may leave unread before the daemon stops serving it. */
export const SEND_BUFFER_LIMITS = {
  /** Over this many unsent bytes the connection is behind: requests are refused, events are skipped. */
  behindBytes: 1024 * 1024,
  /** Over this many the connection is closed at once. */
  closeBytes: 16 * 1024 * 1024,
  /** Behind this long without catching up: closed. */
  stallMs: 10_000,
  /** How often a connection that is behind is looked at again. */
  checkEveryMs: 250,
};

/**
 * Backpressure for one WebSocket: what is queued for a client that does not read stays in the
 * daemon's memory (`bufferedAmount`), so past a bound the connection stops being served, and if
 * it stays behind, or the queue grows past a hard bound, it is closed with a reason.
 */
export class SendBuffer {
  private behindSince: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private shed = false;

  constructor(
    private readonly ws: WebSocket,
    /** Called once the client caught up again (to resend what it missed). */
    private readonly onCaughtUp: () => void,
    /** Called when the connection is closed for not reading. */
    private readonly onShed: (reason: string) => void,
    private readonly limits = SEND_BUFFER_LIMITS,
  ) {}

  /** True while the client is too far behind to be served. */
  get behind(): boolean {
    if (this.shed) return true;
    if (this.ws.bufferedAmount <= this.limits.behindBytes) return false;
    this.behindSince ??= Date.now();
    this.watch();
    return true;
  }

  /** Sends unless the connection was shed; closes it when the queue passes the hard bound. */
  send(text: string): void {
    if (this.shed || this.ws.readyState !== this.ws.OPEN) return;
    this.ws.send(text);
    if (this.ws.bufferedAmount > this.limits.closeBytes)
      this.close(`more than ${this.limits.closeBytes} bytes unread: the client is not reading`);
  }

  /** Stops the timer (the socket closed). */
  dispose(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private watch(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (this.ws.bufferedAmount <= this.limits.behindBytes) {
        this.behindSince = undefined;
        this.dispose();
        this.onCaughtUp();
      } else if (Date.now() - (this.behindSince ?? Date.now()) > this.limits.stallMs) {
        this.close(
          `behind by ${this.ws.bufferedAmount} bytes for ${this.limits.stallMs} ms: the client is not reading`,
        );
      }
    }, this.limits.checkEveryMs);
    this.timer.unref();
  }

  private close(reason: string): void {
    if (this.shed) return;
    this.shed = true;
    this.dispose();
    this.onShed(reason);
    // The close frame waits behind the unread data; a client that never reads never sees it.
    this.ws.close(1008, reason.slice(0, 120));
    setTimeout(() => this.ws.terminate(), 1_000).unref();
  }
}
