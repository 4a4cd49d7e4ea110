/**
 * `npm run bench -- copy`: generates a SQLite store (BENCH_COPY_TASKS tasks, default 1,000,000,
 * three events each; messages 200 B–4 KB, results 1–8 KB; cached by size between runs), copies it
 * into an embedded PostgreSQL with `aidos migrate copy` (verification included; with multi-row
 * INSERT too when BENCH_COPY_INSERT=1), then the same file with pgloader (Debian package,
 * installed here with apt-get when missing; its defaults, small batches, a 4 GB heap) into another database
 * of the same server, BENCH_COPY_RUNS times, and prints one JSON line: rows/s, MB/s, peak RSS,
 * crashes, ratios.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { loadSqlite } from '../../daemon/store/drivers.js';
import { defaultMigrationsRoot } from '../../daemon/store/migrate/files.js';
import { MigrationRunner } from '../../daemon/store/migrate/runner.js';
import { SqliteStore } from '../../daemon/store/sqlite/sqlite-store.js';
import { AIDOS_BIN } from '../helpers/daemon-process.js';
import { startThrowawayPostgres, type ThrowawayPostgres } from '../helpers/postgres-server.js';

const TASKS = Number(process.env.BENCH_COPY_TASKS ?? 1_000_000);
const RUNS = Number(process.env.BENCH_COPY_RUNS ?? 1);
/** Multi-row INSERT doubles a full-size run; BENCH_COPY_INSERT=1 adds it for the COPY/INSERT comparison. */
const WITH_INSERT = process.env.BENCH_COPY_INSERT === '1';
/** Bumped whenever `generate` changes what it writes, so a stale cached file is never reused. */
const GENERATOR_VERSION = 1;
const TARGETS = { ratio_vs_pgloader: 1.5, peak_rss_mb: 300, crashes: 0 };
const r2 = (n: number) => Math.round(n * 100) / 100;

/** Deterministic pseudo-random text, so every run copies the same bytes. */
function generator(seed: number) {
  let x = seed;
  const next = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
  // BMP only: a slice must never split a surrogate pair (jsonb refuses a lone one, rightly).
  const alphabet = 'abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,;:!?-éüß中';
  const pool = Array.from({ length: 65536 }, () => alphabet[Math.floor(next() * alphabet.length)]).join('');
  return {
    int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)),
    text: (n: number) => {
      const start = Math.floor(next() * (pool.length - n));
      return pool.slice(start, start + n);
    },
  };
}

/**
 * Writes the benchmark store: one transaction, fsync off (a file nobody else reads until it is
 * complete), prepared statements. Written under a temporary name and renamed, so a
 * killed generation never leaves a half file where the cache looks.
 */
export async function generate(path: string): Promise<{ rows: number; bytes: number; seconds: number }> {
  const started = performance.now();
  const partial = `${path}.partial`;
  await rm(partial, { force: true });
  const store = new SqliteStore({ path: partial, busyTimeoutMs: 5000 });
  await new MigrationRunner(store.migrations, join(defaultMigrationsRoot(), 'sqlite')).up();
  await store.close();
  const db = new (loadSqlite())(partial);
  // Rollback journal, not the store's WAL: one 7 GB transaction would pass through the WAL twice.
  // (better-sqlite3's defensive mode refuses journal_mode OFF; on a new file DELETE costs nothing.)
  db.pragma('journal_mode = DELETE');
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -262144');
  const rnd = generator(42);
  const task =
    db.prepare(`INSERT INTO tasks (id, profile, message, priority, state, attempt, max_attempts, timeout_ms,
    labels, run_after, created_at, updated_at, started_at, finished_at, node_id, fence, result)
    VALUES (?, 'openclaw', ?, ?, 'succeeded', 1, 3, 600000, ?, ?, ?, ?, ?, ?, 'node-a', 1, ?)`);
  const event = db.prepare(
    'INSERT INTO task_events (task_id, at, kind, node_id, attempt, fence, detail) VALUES (?, ?, ?, ?, 1, 1, ?)',
  );
  const t0 = 1_760_000_000_000;
  db.transaction(() => {
    for (let i = 0; i < TASKS; i++) {
      const id = `t_${i.toString(36).padStart(8, '0')}`;
      const at = t0 + i * 10;
      const result = JSON.stringify({
        status: 'ok',
        summary: rnd.text(rnd.int(900, 7900)),
        usage: { input: rnd.int(1, 9999), output: rnd.int(1, 9999) },
      });
      task.run(
        id,
        rnd.text(rnd.int(200, 4000)),
        rnd.int(0, 9),
        JSON.stringify({ team: 'ops', run: String(i % 97) }),
        at,
        at,
        at + 900,
        at + 5,
        at + 900,
        result,
      );
      event.run(id, at, 'submitted', null, '{}');
      event.run(id, at + 5, 'claimed', 'node-a', JSON.stringify({ lease_ms: 30000 }));
      event.run(
        id,
        at + 900,
        'succeeded',
        'node-a',
        JSON.stringify({ exit_code: 0, duration_ms: rnd.int(100, 90000), rss_mb: rnd.int(50, 400) }),
      );
    }
  })();
  db.close();
  await rename(partial, path);
  return { rows: TASKS * 4, bytes: statSync(path).size, seconds: r2((performance.now() - started) / 1000) };
}

/**
 * The generated store for this size, from the cache when an earlier run made it (the content is
 * deterministic: same size, same bytes). BENCH_COPY_CACHE moves the cache folder.
 */
async function cachedSource(): Promise<{
  path: string;
  rows: number;
  bytes: number;
  seconds: number;
  cached: boolean;
}> {
  const dir = process.env.BENCH_COPY_CACHE ?? join(tmpdir(), 'aidos-bench-copy-cache');
  await mkdir(dir, { recursive: true });
  const path = join(dir, `store-${GENERATOR_VERSION}-${TASKS}.db`);
  if (existsSync(path)) {
    return { path, rows: TASKS * 4, bytes: statSync(path).size, seconds: 0, cached: true };
  }
  return { path, ...(await generate(path)), cached: false };
}

async function admin(server: ThrowawayPostgres, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: server.url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A fresh database for one measurement, dropped after it (a full-size copy takes gigabytes). */
async function withDatabase<T>(
  server: ThrowawayPostgres,
  name: string,
  fn: (url: string) => Promise<T>,
): Promise<T> {
  await admin(server, `CREATE DATABASE ${name}`);
  try {
    return await fn(server.url.replace(/\/postgres$/, `/${name}`));
  } finally {
    await admin(server, `DROP DATABASE ${name} WITH (FORCE)`);
  }
}

const loadavg = () => Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);

interface Run {
  code: number | null;
  seconds: number;
  output: string;
  peak_rss_mb: number;
  /** User + system CPU seconds of the command (all its threads and children). */
  cpu_s: number;
}

const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/**
 * CPU seconds the PostgreSQL server has used so far: the postmaster's own and that of its
 * children that exited (a connection's backend ends with it and is counted once reaped).
 */
function serverCpu(postmasterPid: number): number {
  const fields = readFileSync(`/proc/${postmasterPid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  // After the command: state is field 3, utime..cstime are fields 14–17.
  return fields.slice(11, 15).reduce((n, f) => n + Number(f), 0) / CLOCK_TICKS;
}

async function postmasterPid(server: ThrowawayPostgres): Promise<number> {
  const client = new pg.Client({ connectionString: server.url });
  await client.connect();
  try {
    const backend = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid;
    const stat = readFileSync(`/proc/${backend}/stat`, 'utf8');
    return Number(stat.split(') ')[1]?.split(' ')[1]);
  } finally {
    await client.end();
  }
}

/** The benchmark's server, with its postmaster's pid for the server's CPU time. */
type BenchServer = ThrowawayPostgres & { postmaster: number };

/**
 * Runs a command under GNU time (peak RSS and CPU of the whole command) and times it, with the
 * CPU seconds the server spent meanwhile (nothing else uses it).
 */
async function timed(
  server: BenchServer,
  command: string,
  args: string[],
): Promise<Run & { server_cpu_s: number }> {
  const before = serverCpu(server.postmaster);
  const run = await timedCommand(command, args);
  return { ...run, server_cpu_s: r2(serverCpu(server.postmaster) - before) };
}

function timedCommand(command: string, args: string[]): Promise<Run> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/time', ['-f', 'PEAK_RSS_KB=%M CPU=%U+%S', command, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      const kb = Number(/PEAK_RSS_KB=(\d+)/.exec(output)?.[1] ?? 0);
      const cpu = /CPU=([\d.]+)\+([\d.]+)/.exec(output);
      resolve({
        code,
        seconds: (performance.now() - started) / 1000,
        output,
        peak_rss_mb: Math.round(kb / 1024),
        cpu_s: r2(Number(cpu?.[1] ?? 0) + Number(cpu?.[2] ?? 0)),
      });
    });
  });
}

async function ours(
  server: BenchServer,
  file: string,
  method: 'copy' | 'insert',
  run: number,
  rows: number,
  bytes: number,
) {
  const load = loadavg();
  const result = await withDatabase(server, `bench_${method}_${run}`, (url) =>
    timed(server, process.execPath, [
      AIDOS_BIN,
      'migrate',
      'copy',
      '--from',
      file,
      '--to',
      url,
      '--json',
      '--method',
      method,
    ]),
  );
  const summary = result.output
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map(
      (l) =>
        JSON.parse(l) as {
          type: string;
          verified?: boolean;
          tables?: { copy_seconds: number; verify_seconds: number }[];
        },
    )
    .find((l) => l.type === 'summary');
  return {
    method,
    loadavg_1m: load,
    exit_code: result.code,
    verified: summary?.verified ?? false,
    seconds: r2(result.seconds),
    copy_s: r2((summary?.tables ?? []).reduce((n, t) => n + t.copy_seconds, 0)),
    verify_s: r2((summary?.tables ?? []).reduce((n, t) => n + t.verify_seconds, 0)),
    rows_per_s: Math.round(rows / result.seconds),
    mb_per_s: r2(bytes / 1024 / 1024 / result.seconds),
    peak_rss_mb: result.peak_rss_mb,
    cpu_s: result.cpu_s,
    server_cpu_s: result.server_cpu_s,
    ...(result.code === 0 ? {} : { error: result.output.slice(-500) }),
  };
}

function ensurePgloader(): string {
  const installed = ['/usr/bin/pgloader'].find((p) => existsSync(p));
  if (installed) return installed;
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore' });
  execFileSync('apt-get', ['install', '-y', '-qq', 'pgloader'], {
    stdio: 'ignore',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  return '/usr/bin/pgloader';
}

/**
 * pgloader as shipped (the peer), then two ways to make it finish: with its defaults
 * (prefetch 100,000 rows, batches of 25,000) rows of several KB exhaust its 1 GB heap; at 2,000
 * rows it finished at 20,000 tasks but not at 1,000,000 (heap exhausted after 39 s), so
 * `small_batches` is smaller again; `defaults_4gb_heap` keeps its batch defaults and gives its
 * SBCL runtime a 4 GB heap instead (`--dynamic-space-size`, a runtime option it accepts).
 */
const PGLOADER_VARIANTS = {
  defaults: [],
  defaults_4gb_heap: ['--dynamic-space-size', '4096'],
  small_batches: [
    '--with',
    'prefetch rows = 200',
    '--with',
    'batch rows = 500',
    '--with',
    'batch size = 4 MB',
    '--with',
    'workers = 2',
    '--with',
    'concurrency = 1',
  ],
} as const;
type PgloaderVariant = keyof typeof PGLOADER_VARIANTS;
/** BENCH_COPY_PGLOADER=small_batches (comma list) runs only those variants. */
const PGLOADER_VARIANTS_RUN = (process.env.BENCH_COPY_PGLOADER ?? 'defaults,small_batches,defaults_4gb_heap')
  .split(',')
  .map((v) => v.trim())
  .filter((v): v is PgloaderVariant => v in PGLOADER_VARIANTS);

async function pgloader(
  server: BenchServer,
  file: string,
  variant: PgloaderVariant,
  run: number,
  rows: number,
  bytes: number,
) {
  const bin = ensurePgloader();
  const load = loadavg();
  const result = await withDatabase(server, `bench_pgloader_${variant}_${run}`, (url) =>
    timed(server, bin, [
      ...PGLOADER_VARIANTS[variant],
      `sqlite://${file}`,
      url.replace(/^postgres:/, 'postgresql:'),
    ]),
  );
  const crashed = result.code !== 0 || /heap exhausted|fatal error|debugger invoked/i.test(result.output);
  return {
    variant,
    loadavg_1m: load,
    exit_code: result.code,
    crashed,
    seconds: r2(result.seconds),
    // A crashed run moved only part of the rows: no rate.
    rows_per_s: crashed ? null : Math.round(rows / result.seconds),
    mb_per_s: crashed ? null : r2(bytes / 1024 / 1024 / result.seconds),
    peak_rss_mb: result.peak_rss_mb,
    cpu_s: result.cpu_s,
    server_cpu_s: result.server_cpu_s,
    ...(crashed ? { error: result.output.slice(-500) } : {}),
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

export default async function benchCopy(): Promise<void> {
  const began = performance.now();
  let pgServer: ThrowawayPostgres | undefined;
  try {
    const source = await cachedSource();
    const file = source.path;
    pgServer = await startThrowawayPostgres();
    const server: BenchServer = Object.assign(pgServer, { postmaster: await postmasterPid(pgServer) });
    const copy = [];
    const insert = [];
    const loader: Awaited<ReturnType<typeof pgloader>>[] = [];
    // Ours between the pgloader variants, so a load that changes during the run weighs on both.
    const before = PGLOADER_VARIANTS_RUN.slice(0, Math.ceil(PGLOADER_VARIANTS_RUN.length / 2));
    const after = PGLOADER_VARIANTS_RUN.slice(before.length);
    for (let run = 0; run < RUNS; run++) {
      for (const variant of before) {
        loader.push(await pgloader(server, file, variant, run, source.rows, source.bytes));
      }
      copy.push(await ours(server, file, 'copy', run, source.rows, source.bytes));
      if (WITH_INSERT) insert.push(await ours(server, file, 'insert', run, source.rows, source.bytes));
      for (const variant of after) {
        loader.push(await pgloader(server, file, variant, run, source.rows, source.bytes));
      }
    }
    const pgloaderVersion = execFileSync('/usr/bin/pgloader', ['--version']).toString().split('\n')[0];
    const oursRate = median(copy.filter((r) => r.verified).map((r) => r.rows_per_s));
    // Against the faster pgloader variant that finished: the stricter comparison.
    const rates = PGLOADER_VARIANTS_RUN.map((v) =>
      median(loader.flatMap((r) => (r.variant === v && r.rows_per_s !== null ? [r.rows_per_s] : []))),
    );
    const theirRate = Math.max(0, ...rates);
    // CPU (the command's and the server's) per run: what a shared host pays, whatever its load.
    const cpu = (r: { cpu_s: number; server_cpu_s: number }) => r.cpu_s + r.server_cpu_s;
    const oursCpu = median(copy.filter((r) => r.verified).map(cpu));
    const theirCpu = Math.min(...loader.filter((r) => !r.crashed).map(cpu));
    const result = {
      bench: 'copy',
      at: new Date().toISOString(),
      host: {
        cpus: availableParallelism(),
        node: process.version,
        loadavg_1m: loadavg(),
      },
      source: {
        tasks: TASKS,
        events: TASKS * 3,
        rows: source.rows,
        mb: r2(source.bytes / 1024 / 1024),
        generate_s: source.seconds,
        cached: source.cached,
      },
      method:
        'wall time of the whole command (process start to exit), rows = tasks + events over it; ours includes the verification (counts + per-row checksums on both sides); pgloader with its defaults, with small batches and with its defaults and a 4 GB heap, no content check; ratio against the fastest pgloader variant that finished; peak RSS and CPU (user+sys) from GNU time; server CPU from the postmaster (its exited backends); cpu_ratio = the leanest finished pgloader run CPU (command + server) over ours (median); pgloader loads into tables it creates from the SQLite types (text and bigint: no jsonb, timestamptz, CHECK or partial indexes), ours into the aidos schema',
      runs: RUNS,
      ours_copy: copy,
      ours_insert: insert,
      pgloader: {
        version: pgloaderVersion,
        variants: PGLOADER_VARIANTS,
        median_rows_per_s: Object.fromEntries(PGLOADER_VARIANTS_RUN.map((v, i) => [v, rates[i] || null])),
        runs: loader,
      },
      copy_vs_insert: insert.some((r) => r.verified)
        ? r2(oursRate / median(insert.filter((r) => r.verified).map((r) => r.rows_per_s)))
        : null,
      ratio_vs_pgloader: theirRate && oursRate ? r2(oursRate / theirRate) : null,
      cpu_ratio_vs_pgloader: oursCpu && Number.isFinite(theirCpu) ? r2(theirCpu / oursCpu) : null,
      crashes: {
        ours: copy.filter((r) => r.exit_code !== 0).length,
        pgloader: loader.filter((r) => r.crashed).length,
      },
      targets: TARGETS,
      duration_s: r2((performance.now() - began) / 1000),
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await pgServer?.destroy().catch(() => {});
  }
}
