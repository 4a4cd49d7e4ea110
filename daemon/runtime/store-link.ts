import { plural } from '../../shared/plural.js';
import { AidosError, errorMessage } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { Store } from '../store/facets.js';
import type { MigrationRunner, MigrationStatus } from '../store/migrate/runner.js';
import { backoffDelay, delay } from '../util/backoff.js';
import type { EventBus } from './events.js';

declare module './events.js' {
  interface DaemonEventMap {
    /** The store became ready or stopped being ready. */
    'store.change': StoreLinkState;
    /** Stored migrations no longer match the files: the daemon must stop. */
    'store.fatal': AidosError;
  }
}

/** What the daemon knows about its store right now. */
export interface StoreLinkState {
  /** The last ping (or bring-up) succeeded. */
  reachable: boolean;
  /** Migrations are applied and match the files. */
  migrated: boolean;
  /** Latency of the last successful ping. */
  latencyMs: number | null;
  /** Why it is not reachable or not migrated. */
  error: string | null;
  /** When the state last changed (epoch ms). */
  since: number;
}

/** Options of the store link. */
export interface StoreLinkOptions {
  /** Apply pending migrations (else only verify). */
  migrate: boolean;
  /** Ping period once up. */
  pingEveryMs: number;
  /** Called once the schema is ready, and again after every reconnect (re-register the node). */
  onUp?: () => Promise<void>;
}

/**
 * Keeps the daemon's view of the store: migrates at start, retries with backoff while the database
 * is unreachable, pings while up, and reports every change. The daemon stays up throughout; only a
 * migration inconsistency (changed, missing or out-of-order file) is fatal.
 */
export class StoreLink {
  state: StoreLinkState = {
    reachable: false,
    migrated: false,
    latencyMs: null,
    error: 'not connected yet',
    since: Date.now(),
  };
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;
  /** The last error written to the log, so a retry failing the same way is not logged again. */
  private loggedError: string | null = 'not connected yet';

  constructor(
    private readonly store: Pick<Store, 'ping' | 'description'>,
    private readonly runner: MigrationRunner,
    private readonly options: StoreLinkOptions,
    private readonly logger: Logger,
    private readonly events: EventBus,
  ) {}

  get ready(): boolean {
    return this.state.reachable && this.state.migrated;
  }

  /**
   * Applies a change; every change of reachable/migrated goes on the bus. The log gets one line per
   * event: the store becoming ready, or a new reason it is not (not the steps of a bring-up, nor a
   * retry that failed as the last one did). `message` names the event when there is a better name.
   */
  private set(next: Partial<StoreLinkState>, message?: string): void {
    const before = this.state;
    const wasReady = this.ready;
    this.state = { ...before, ...next };
    const error = this.state.error;
    const fields = () => ({
      store: this.store.description,
      reachable: this.state.reachable,
      migrated: this.state.migrated,
      latency_ms: this.state.latencyMs === null ? null : Math.round(this.state.latencyMs * 1000) / 1000,
    });
    if (this.ready && !wasReady) {
      this.loggedError = null;
      this.logger.info({ ...fields() }, 'store ready');
    } else if (!this.ready && error !== null && error !== this.loggedError) {
      this.loggedError = error;
      this.logger.warn({ ...fields(), err: error }, message ?? 'store not ready');
    }
    if (before.reachable !== this.state.reachable || before.migrated !== this.state.migrated) {
      this.state.since = Date.now();
      this.events.emit('store.change', this.state);
    }
  }

  /** One bring-up attempt: migrate or verify. Throws AidosError('migration') when files and history disagree. */
  async bringUp(): Promise<void> {
    const latencyMs = await this.store.ping();
    this.set({ reachable: true, latencyMs, error: null });
    if (this.options.migrate) {
      const applied = await this.runner.up();
      for (const m of applied)
        this.logger.info(
          { version: m.version, migration: m.name, duration_ms: m.duration_ms },
          'migration applied',
        );
    } else {
      const rows = await this.runner.verify();
      const pending = rows.filter((r) => r.state === 'pending');
      if (pending.length > 0) {
        this.set({
          migrated: false,
          error: `${plural(pending.length, 'migration')} pending; run aidos migrate up`,
        });
        return;
      }
    }
    await this.options.onUp?.();
    this.set({ migrated: true, error: null });
  }

  /** First attempt inline (so a migration error stops startup); afterwards a background loop. */
  async start(): Promise<void> {
    try {
      await this.bringUp();
    } catch (error) {
      if (error instanceof AidosError && error.kind === 'migration') throw error;
      this.set({ reachable: false, error: errorMessage(error) }, 'store unreachable; retrying');
    }
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    let failures = 0;
    const signal = this.abort.signal;
    while (!signal.aborted) {
      const wait = this.ready ? this.options.pingEveryMs : backoffDelay(failures, 200, 5_000);
      await delay(wait, signal);
      if (signal.aborted) break;
      try {
        if (this.ready) {
          this.set({ latencyMs: await this.store.ping() });
        } else {
          await this.bringUp();
        }
        failures = 0;
      } catch (error) {
        if (error instanceof AidosError && error.kind === 'migration') {
          this.set({ migrated: false, error: error.message });
          this.events.emit('store.fatal', error);
          return;
        }
        failures++;
        const lost = this.state.reachable ? 'store connection lost; retrying' : 'store unreachable; retrying';
        this.set({ reachable: false, migrated: false, error: errorMessage(error) }, lost);
      }
    }
  }

  /** Every migration file with its state against the history. */
  migrationStatus(): Promise<MigrationStatus[]> {
    return this.runner.status();
  }

  /** Marks the store down now (a query failed) so readiness reflects it before the next ping. */
  reportFailure(error: unknown): void {
    this.set({ reachable: false, migrated: false, error: errorMessage(error) });
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
  }
}
