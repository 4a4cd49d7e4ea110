import type pg from 'pg';
import { AidosError } from '../../errors.js';
import { loadPg } from '../drivers.js';
import type { PgChaosFacet, PgHold, PgReplicaControl } from '../facets.js';
import { PostgresReplicaControl } from './replica-chaos.js';

// The only SQL chaos runs. Every session it opens is named, so operators can see it in
// pg_stat_activity (`aidos-chaos` for what a fault holds, `aidos-chaos:admin` for its own queries),
// and none of it touches rows: it holds sessions, takes locks, ends backends.
const CHAOS_APPLICATION = 'aidos-chaos';
const LOCKABLE = new Set(['tasks', 'task_events', 'nodes', 'health_results']);
const SQL = {
  terminate: `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
    WHERE application_name = $1 AND datname = current_database() AND pid <> pg_backend_pid()`,
  count: 'SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = ANY($1::int[])',
  // EXCLUSIVE lets readers through and makes every writer wait: slow claims and completions, no errors.
  lock: (table: string) => `LOCK TABLE ${table} IN EXCLUSIVE MODE`,
} as const;
const TOO_MANY_CLIENTS = '53300';

/** Options of the chaos facet's sessions. */
export interface PgChaosOptions {
  /** postgres:// URL of the cluster database. */
  url: string;
  /** Connect limit per session. */
  connectTimeoutMs: number;
}

function storeError(what: string, cause: unknown): AidosError {
  return new AidosError('store', `chaos ${what}: ${(cause as Error).message}`, { cause });
}

/** PostgreSQL operations for chaos faults, each in sessions of its own (never the daemon's pool). */
export class PostgresChaosFacet implements PgChaosFacet {
  private admin: pg.Client | undefined;

  constructor(private readonly options: PgChaosOptions) {}

  private async session(application = CHAOS_APPLICATION): Promise<pg.Client> {
    const client = new (loadPg().Client)({
      connectionString: this.options.url,
      application_name: application,
      connectionTimeoutMillis: this.options.connectTimeoutMs,
    });
    client.on('error', () => {});
    await client.connect();
    return client;
  }

  private async adminQuery(sql: string, params: unknown[]): Promise<number> {
    try {
      this.admin ??= await this.session(`${CHAOS_APPLICATION}:admin`);
      const rows = (await this.admin.query(sql, params)).rows as { n: number }[];
      return rows[0]?.n ?? 0;
    } catch (cause) {
      // A broken admin session is dropped so the next call opens a fresh one.
      await this.admin?.end().catch(() => {});
      this.admin = undefined;
      throw storeError('query', cause);
    }
  }

  private async holdOf(clients: pg.Client[]): Promise<PgHold> {
    const pids = clients.map((c) => (c as unknown as { processID: number }).processID);
    let released = false;
    return {
      pids,
      release: async () => {
        if (released) return;
        released = true;
        await Promise.all(clients.map((c) => c.end().catch(() => {})));
      },
    };
  }

  async holdConnections(n: number): Promise<PgHold> {
    const clients: pg.Client[] = [];
    // Ten at a time: hundreds of sequential connects would outlast a short fault on a busy host.
    for (let opened = 0; opened < n; ) {
      const batch = Math.min(10, n - opened);
      const results = await Promise.allSettled(
        Array.from({ length: batch }, async () => {
          const client = await this.session();
          clients.push(client);
          await client.query('BEGIN');
        }),
      );
      opened += batch;
      const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (!failure) continue;
      // The server is full: that is the point of the fault, so keep what we got.
      if ((failure.reason as { code?: string }).code === TOO_MANY_CLIENTS && clients.length > 0) break;
      await Promise.all(clients.map((c) => c.end().catch(() => {})));
      throw storeError('hold connections', failure.reason);
    }
    return this.holdOf(clients);
  }

  async lockTableWrites(table: string): Promise<PgHold> {
    if (!LOCKABLE.has(table))
      throw new AidosError('input', `chaos lock: ${table} is not a lockable table`, { field: 'table' });
    const client = await this.session().catch((cause) => {
      throw storeError('lock', cause);
    });
    try {
      await client.query('BEGIN');
      await client.query("SET LOCAL lock_timeout = '5s'");
      await client.query(SQL.lock(table));
    } catch (cause) {
      await client.end().catch(() => {});
      throw storeError('lock', cause);
    }
    return this.holdOf([client]);
  }

  terminateBackends(application: string): Promise<number> {
    return this.adminQuery(SQL.terminate, [application]);
  }

  countBackends(pids: number[]): Promise<number> {
    return this.adminQuery(SQL.count, [pids]);
  }

  replicaControl(url: string): PgReplicaControl {
    return new PostgresReplicaControl(url, this.options.connectTimeoutMs);
  }

  async close(): Promise<void> {
    await this.admin?.end().catch(() => {});
    this.admin = undefined;
  }
}
