import { EventEmitter } from 'node:events';
import type pg from 'pg';
import { loadPg } from '../drivers.js';

/** Options for the LISTEN connection. */
export interface ListenerOptions {
  /** Same connection settings as the pool. */
  client: pg.ClientConfig;
  /** Channel to LISTEN on. */
  channel: string;
  /** Longest wait between reconnect attempts. */
  maxBackoffMs?: number;
}

/**
 * A dedicated connection that LISTENs for queued tasks and reconnects with backoff when the
 * server goes away. After every reconnect it fires once, since notifications sent while it was
 * down are lost and a worker must look at the queue again.
 */
export class PgListener {
  private readonly events = new EventEmitter();
  private client: pg.Client | undefined;
  private stopped = false;
  private backoffMs = 100;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: ListenerOptions) {}

  on(listener: () => void): () => void {
    this.events.on('notify', listener);
    if (!this.client && !this.timer && !this.stopped) void this.connect();
    return () => this.events.off('notify', listener);
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.timer) return;
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, this.options.maxBackoffMs ?? 5_000);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.connect();
    }, delay);
    this.timer.unref();
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new (loadPg().Client)(this.options.client);
    this.client = client;
    const lost = () => {
      if (this.client === client) this.client = undefined;
      client.removeAllListeners();
      client.on('error', () => {});
      void client.end().catch(() => {});
      this.scheduleReconnect();
    };
    client.on('error', lost);
    client.on('end', lost);
    client.on('notification', () => this.events.emit('notify'));
    try {
      await client.connect();
      await client.query(`LISTEN ${this.options.channel}`);
      this.backoffMs = 100;
      this.events.emit('notify');
    } catch {
      lost();
    }
  }

  async close(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.events.removeAllListeners();
    const client = this.client;
    this.client = undefined;
    if (client) {
      client.removeAllListeners();
      client.on('error', () => {});
      await client.end().catch(() => {});
    }
  }
}
