/**
 * `npm run bench -- store-seam`: what the store-latency decorator costs while no fault is in
 * force. One SQLite file; the same cheap store call (`getTask` of a missing id, a prepared
 * statement with no I/O to speak of, so the wrapper's share is as large as it gets) timed through
 * the raw facets and through the decorator's, alternately (ABBA…) in the same process. Prints one
 * JSON line with the medians and the wrapped/raw ratio (target within 2 %) and the load average.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { StoreFaults } from '../../chaos/faults/store-seam.js';
import { type StoreFacets, storeFacets } from '../../daemon/store/facets.js';
import { openSqliteStore } from '../helpers/sqlite-store.js';

const CALLS = Number(process.env.BENCH_STORE_SEAM_CALLS ?? 20_000);
const ROUNDS = Number(process.env.BENCH_STORE_SEAM_ROUNDS ?? 8);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1] as number;

async function time(facets: StoreFacets): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < CALLS; i++) await facets.tasks.getTask('missing');
  return performance.now() - started;
}

export default async function benchStoreSeam(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'aidos-bench-store-seam-'));
  const store = await openSqliteStore(join(dir, 'seam.db'), 'bench');
  try {
    const raw = storeFacets(store);
    const wrapped = new StoreFaults().wrap(raw);
    await time(raw);
    await time(wrapped); // warm both paths up
    const ms = { raw: [] as number[], wrapped: [] as number[] };
    for (let r = 0; r < ROUNDS; r++)
      for (const mode of r % 2 ? (['wrapped', 'raw'] as const) : (['raw', 'wrapped'] as const))
        ms[mode].push(await time(mode === 'raw' ? raw : wrapped));
    const us = (xs: number[]) => Math.round((median(xs) / CALLS) * 1e6) / 1000;
    process.stdout.write(
      `${JSON.stringify({
        bench: 'store-seam',
        at: new Date().toISOString(),
        method: `${ROUNDS} rounds ABBA of ${CALLS} tasks.getTask calls on SQLite, raw facets vs the idle store-latency decorator`,
        raw_us_per_call: us(ms.raw),
        wrapped_idle_us_per_call: us(ms.wrapped),
        ratio_wrapped_vs_raw: Math.round((median(ms.wrapped) / median(ms.raw)) * 1000) / 1000,
        target: 'within 2 % (ratio ≤ 1.02)',
        host: { loadavg_1m: loadavg()[0] },
      })}\n`,
    );
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}
