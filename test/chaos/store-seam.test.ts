import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreFaults } from '../../chaos/faults/store-seam.js';
import { chaosModule } from '../../chaos/module/module.js';
import { loadConfig } from '../../daemon/config/load.js';
import { AidosError } from '../../daemon/errors.js';
import { type Store, storeFacets } from '../../daemon/store/facets.js';
import { openSqliteStore } from '../helpers/sqlite-store.js';

// The store decorator behind store-latency, on a real SQLite file.
let dir: string;
let store: Store;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'aidos-store-seam-'));
  store = await openSqliteStore(join(dir, 'seam.db'));
});

afterAll(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

const timed = async (call: () => Promise<unknown>) => {
  const start = performance.now();
  await call();
  return performance.now() - start;
};

describe('the store decorator', () => {
  it('is not put on the store with chaos off, and is with chaos on', () => {
    const facets = storeFacets(store);
    const wrap = chaosModule.wrap?.store;
    expect(wrap?.(facets, loadConfig({ env: {} }))).toBe(facets);
    const on = wrap?.(facets, loadConfig({ env: {}, flags: { 'chaos.enabled': true } }));
    expect(on).not.toBe(facets);
    expect(on?.tasks).not.toBe(store);
    expect(on?.chaos).toBe(store);
  });

  it('passes calls through untouched until a rule is in force, then acts only on the chosen facet and methods', async () => {
    const seam = new StoreFaults();
    const facets = seam.wrap(storeFacets(store));
    // Listeners stay synchronous.
    const off = facets.tasks.onTaskQueued(() => {});
    expect(typeof off).toBe('function');
    off();
    expect(await facets.tasks.countTasksByState()).toEqual(await store.countTasksByState());
    const id = seam.add({
      facet: 'tasks',
      latency_ms: 0,
      jitter_ms: 0,
      error_rate: 1,
      methods: ['listTasks'],
    });
    await expect(facets.tasks.listTasks({ limit: 1 })).rejects.toSatisfy(
      (e) => e instanceof AidosError && e.kind === 'store' && /tasks\.listTasks/.test(e.message),
    );
    await facets.tasks.countTasksByState(); // another method of the facet
    await facets.nodes.listNodes(); // another facet
    const slow = seam.add({ facet: 'all', latency_ms: 120, jitter_ms: 0, error_rate: 0 });
    expect(await timed(() => facets.nodes.listNodes())).toBeGreaterThanOrEqual(110);
    expect(seam.active()).toEqual([id, slow]);
    seam.remove(id);
    seam.remove(slow);
    seam.remove(slow);
    expect(seam.active()).toEqual([]);
    await facets.tasks.listTasks({ limit: 1 });
  });

  it('refuses a rule that changes nothing or names an unknown method, naming the field', () => {
    const seam = new StoreFaults();
    seam.wrap(storeFacets(store));
    expect(() => seam.add({ facet: 'tasks', latency_ms: 0, jitter_ms: 0, error_rate: 0 })).toThrow(
      expect.objectContaining({ field: 'latency_ms' }),
    );
    expect(() =>
      seam.add({ facet: 'nodes', latency_ms: 5, jitter_ms: 0, error_rate: 0, methods: ['submitTask'] }),
    ).toThrow(expect.objectContaining({ field: 'methods' }));
  });
});
