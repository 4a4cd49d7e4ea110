// Profiles the daemon's event loop over the burst of submit-burst.js (docs/benchmarks.md, issue 7):
//   npm run build && node test/bench/loop-profile/run.mjs            (PG=1: on PostgreSQL)
// The daemon gets cpu-per-turn.mjs preloaded (SIGUSR2 marks the 2,000-submit burst); prints one
// JSON line: the burst's figures plus iter_cpu, the daemon's CPU time per loop iteration (what a
// blocked turn costs on an idle host). PROFILE=1 adds a --cpu-prof of the daemon and prints
// report.mjs: the share of the main thread per cause and the longest blocks with their causes.
// Run from the checkout (or a copy of its dist/) whose daemon is to be measured.
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const dist = resolve('dist/test');
const { startBurstDaemon, submitBurst } = await import(`${dist}/bench/submit-burst.js`);
const { cleanupDaemons } = await import(`${dist}/helpers/daemon-process.js`);
const dir = await mkdtemp(join(tmpdir(), 'aidos-burstx-'));
let pg;
if (process.env.PG) {
  const { startThrowawayPostgres } = await import(`${dist}/helpers/postgres-server.js`);
  pg = await startThrowawayPostgres();
  process.env.BURST_DB = pg.url;
}
const out = process.env.LOOP_PROFILE_DIR ?? (await mkdtemp(join(tmpdir(), 'aidos-loop-profile-')));
let rowsFile;
const extra = (process.env.NODE_EXTRA ?? '').split(' ').filter(Boolean);
if (process.env.PROFILE) extra.push('--cpu-prof', `--cpu-prof-dir=${out}`, '--cpu-prof-interval=500');
try {
  const d = await startBurstDaemon(
    dir,
    [`--import=${new URL('./cpu-per-turn.mjs', import.meta.url).pathname}`, ...extra],
    { LOOP_PROFILE_DIR: out },
  );
  await submitBurst(d, 200);
  process.kill(d.child.pid, 'SIGUSR2');
  const r = await submitBurst(d);
  process.kill(d.child.pid, 'SIGUSR2');
  await new Promise((res) => setTimeout(res, 300));
  if (process.env.GCOUT) {
    const lines = d
      .output()
      .split('\n')
      .filter((l) => /Mark-Compact|Scavenge|Mark-sweep/.test(l));
    console.log(lines.slice(-60).join('\n'));
  }
  const { cpu_ms, wall_ms, rows } = JSON.parse(
    await readFile(`${out}/cpu-per-turn-${d.child.pid}.json`, 'utf8'),
  );
  const cpus = rows.map((x) => x[2]).sort((a, b) => a - b);
  const q = (p) => cpus[Math.min(cpus.length - 1, Math.ceil(p * cpus.length) - 1)];
  console.log(
    JSON.stringify({
      tag: process.env.TAG,
      ...r,
      daemon_cpu_ms: Math.round(cpu_ms),
      daemon_cpu_us_per_submit: Math.round((cpu_ms * 1000) / r.submits),
      wall_ms: Math.round(wall_ms),
      iter_cpu: {
        n: cpus.length,
        p50: q(0.5),
        p99: q(0.99),
        max: cpus[cpus.length - 1],
        over10: cpus.filter((c) => c > 10).length,
        over20: cpus.filter((c) => c > 20).length,
        top: cpus.slice(-5).reverse(),
      },
      worst: rows
        .sort((a, b) => b[2] - a[2])
        .slice(0, 6)
        .map((x) => ({ cpu: x[2], wall: x[3], reqs: x[4] })),
      max_reqs_per_interval: Math.max(...rows.map((x) => x[4])),
    }),
  );
  rowsFile = `${out}/cpu-per-turn-${d.child.pid}.json`;
} finally {
  // The daemon writes its CPU profile as it exits.
  await cleanupDaemons();
  await pg?.destroy().catch(() => {});
  await rm(dir, { recursive: true, force: true });
}
if (process.env.PROFILE && rowsFile) {
  const profile = readdirSync(out).find((f) => f.endsWith('.cpuprofile'));
  if (profile)
    execFileSync(
      process.execPath,
      [new URL('./report.mjs', import.meta.url).pathname, join(out, profile), rowsFile],
      {
        stdio: 'inherit',
      },
    );
}
if (!process.env.LOOP_PROFILE_DIR) await rm(out, { recursive: true, force: true });
