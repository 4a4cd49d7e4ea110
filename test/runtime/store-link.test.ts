import { appendFile, cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AidosError } from '../../daemon/errors.js';
import { EventBus } from '../../daemon/runtime/events.js';
import { StoreLink, type StoreLinkState } from '../../daemon/runtime/store-link.js';
import type { Store } from '../../daemon/store/facets.js';
import { defaultMigrationsRoot } from '../../daemon/store/migrate/files.js';
import { MigrationRunner } from '../../daemon/store/migrate/runner.js';
import { SqliteStore } from '../../daemon/store/sqlite/sqlite-store.js';
import { waitFor, withTimeout } from '../helpers/wait.js';

const silent = pino({ level: 'silent' });
let dir: string;
let count = 0;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'aidos-link-'));
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A real SQLite store behind a switch that makes every ping fail, as an unreachable database would. */
function switchable(store: Store) {
  const state = { down: false };
  return {
    state,
    view: {
      description: store.description,
      ping: () => (state.down ? Promise.reject(new Error('connect ECONNREFUSED')) : store.ping()),
    },
  };
}

async function setup(options: { migrate: boolean; down?: boolean }) {
  const store = new SqliteStore({ path: join(dir, `link-${++count}.db`), busyTimeoutMs: 5_000 });
  const folder = join(dir, `migrations-${count}`);
  await cp(join(defaultMigrationsRoot(), 'sqlite'), folder, { recursive: true });
  const runner = new MigrationRunner(store.migrations, folder);
  const sw = switchable(store);
  sw.state.down = options.down ?? false;
  const events = new EventBus(silent);
  const changes: StoreLinkState[] = [];
  const fatal: AidosError[] = [];
  events.on('store.change', (s) => changes.push({ ...s }));
  events.on('store.fatal', (e) => fatal.push(e));
  let ups = 0;
  const link = new StoreLink(
    sw.view,
    runner,
    {
      migrate: options.migrate,
      pingEveryMs: 20,
      onUp: async () => {
        ups++;
      },
    },
    silent,
    events,
  );
  cleanups.push(async () => {
    await link.stop();
    await store.close();
  });
  return { store, folder, runner, sw, link, changes, fatal, ups: () => ups };
}

describe('StoreLink', () => {
  it('stays up but not ready while the store is unreachable, and becomes ready by itself when it answers', async () => {
    const t = await setup({ migrate: true, down: true });
    await t.link.start();
    expect(t.link.ready).toBe(false);
    expect(t.link.state.error).toMatch(/ECONNREFUSED/);
    expect(t.ups()).toBe(0);
    t.sw.state.down = false;
    await waitFor(() => t.link.ready, 10_000, 'the link to come up');
    expect(t.ups()).toBe(1);
    expect(t.link.state).toMatchObject({ reachable: true, migrated: true, error: null });
    expect(t.changes.at(-1)).toMatchObject({ reachable: true, migrated: true });
  });

  it('a failed query marks it not ready at once; it reconnects and registers the node again', async () => {
    const t = await setup({ migrate: true });
    await t.link.start();
    expect(t.link.ready).toBe(true);
    expect(t.ups()).toBe(1);
    t.sw.state.down = true;
    t.link.reportFailure(new Error('query failed: connection reset'));
    // Synchronously: readiness must not wait for the next ping.
    expect(t.link.ready).toBe(false);
    expect(t.changes.at(-1)).toMatchObject({ reachable: false, error: 'query failed: connection reset' });
    t.sw.state.down = false;
    await waitFor(() => t.link.ready, 10_000, 'the link to reconnect');
    expect(t.ups()).toBe(2);
  });

  it('notices a lost store on its own ping and reports one change per transition', async () => {
    const t = await setup({ migrate: true });
    await t.link.start();
    const before = t.changes.length;
    t.sw.state.down = true;
    await waitFor(() => !t.link.ready, 10_000, 'the ping to notice');
    t.sw.state.down = false;
    await waitFor(() => t.link.ready, 10_000, 'the link to come back');
    const transitions = t.changes.slice(before).map((s) => `${s.reachable}/${s.migrated}`);
    // down, then reachable (migrating), then ready: never the same state twice in a row.
    expect(transitions[0]).toBe('false/false');
    expect(transitions.at(-1)).toBe('true/true');
    for (let i = 1; i < transitions.length; i++) expect(transitions[i]).not.toBe(transitions[i - 1]);
  });

  it('with migrate off and a migration pending it is not ready and says what to run', async () => {
    const t = await setup({ migrate: false });
    await t.link.start();
    expect(t.link.ready).toBe(false);
    expect(t.link.state).toMatchObject({ reachable: true, migrated: false });
    expect(t.link.state.error).toMatch(/pending; run aidos migrate up/);
    expect(t.ups()).toBe(0);
  });

  it('a migration file changed after it was applied is fatal: at start it throws, later it emits store.fatal', async () => {
    const first = await setup({ migrate: true });
    await first.link.start();
    await appendFile(join(first.folder, '0001_initial.sql'), '\n-- edited\n');
    await expect(first.runner.verify()).rejects.toMatchObject({ kind: 'migration' });
    // Later: the next bring-up after a lost connection finds the edited file.
    first.link.reportFailure(new Error('connection reset'));
    await waitFor(() => first.fatal.length > 0, 10_000, 'store.fatal');
    expect(first.fatal[0]).toBeInstanceOf(AidosError);
    expect(first.fatal[0]?.message).toMatch(/0001/);
    expect(first.link.ready).toBe(false);

    const second = await setup({ migrate: true });
    await second.runner.up();
    await appendFile(join(second.folder, '0001_initial.sql'), '\n-- edited\n');
    const error = await withTimeout(
      second.link.start().then(
        () => undefined,
        (e: unknown) => e,
      ),
      10_000,
      'start',
    );
    expect(error).toBeInstanceOf(AidosError);
    expect((error as AidosError).kind).toBe('migration');
  });
});
