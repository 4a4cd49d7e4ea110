import { execFileSync } from 'node:child_process';
import {
  appendFileSync,
  chmodSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { migratedTestStore } from './postgres-db.js';
import { freePort } from './postgres-server.js';

/**
 * Debian's PostgreSQL 15 and PgBouncer (installed by .ci/run), for what the embedded server's
 * binaries cannot do: pg_basebackup for a streaming replica, and a real pooler in front. The
 * servers run as the `postgres` user (PostgreSQL refuses root), in temporary folders.
 */
const BIN = '/usr/lib/postgresql/15/bin';

/** One server or pooler process owned by a test. */
export interface DebianProcess {
  /** Superuser URL (database `postgres`; trust auth, the password is a placeholder). */
  url: string;
  /** Its port on 127.0.0.1. */
  port: number;
  /** Its folder (data directory for a server). */
  dir: string;
  /** Stops it (kept on disk). */
  stop(): void;
  /** Starts it again. */
  start(): void;
  /** Stops it and deletes its folder. */
  destroy(): void;
}

function isZombie(pid: number): boolean {
  try {
    return /State:\s+Z/.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return true;
  }
}

function asPostgres(command: string, args: string[]): string {
  return execFileSync('runuser', ['-u', 'postgres', '--', command, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  }).toString();
}

/** Fails with what to install, rather than an ENOENT deep in a test. */
function requirePackages(): void {
  const missing = [
    [`${BIN}/pg_basebackup`, 'postgresql-15'],
    ['/usr/sbin/pgbouncer', 'pgbouncer'],
  ].filter(([path]) => !existsSync(path as string));
  if (missing.length)
    throw new Error(
      `Debian packages missing: ${missing.map(([, pkg]) => pkg).join(', ')} (apt-get install them, or run bash .ci/run, which does)`,
    );
}

function ownedFolder(prefix: string): string {
  requirePackages();
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o700);
  execFileSync('chown', ['postgres:postgres', dir]);
  return dir;
}

/** The handle a test holds: destroy stops the process and deletes its folder. */
function handle(dir: string, port: number, start: () => void, stop: () => void): DebianProcess {
  return {
    url: `postgres://postgres:trust@127.0.0.1:${port}/postgres`,
    port,
    dir,
    start,
    stop,
    destroy: () => {
      stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function server(dir: string, port: number): DebianProcess {
  const ctl = (action: string, extra: string[] = []) =>
    asPostgres(`${BIN}/pg_ctl`, [action, '-D', join(dir, 'data'), '-w', '-t', '60', ...extra]);
  const start = () => {
    ctl('start', ['-l', join(dir, 'log')]);
  };
  const stop = () => {
    try {
      ctl('stop', ['-m', 'fast']);
    } catch {}
  };
  return handle(dir, port, start, stop);
}

function settings(dir: string, port: number): string {
  return `port = ${port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '${dir}'\nfsync = off\n`;
}

/** A primary that accepts replication connections from 127.0.0.1 (trust: test only). */
export async function startDebianPrimary(): Promise<DebianProcess> {
  const dir = ownedFolder('aidos-pg15-');
  const port = await freePort();
  asPostgres(`${BIN}/initdb`, [
    '-D',
    join(dir, 'data'),
    '-U',
    'postgres',
    '--auth=trust',
    '-E',
    'UTF8',
    '--locale=C',
  ]);
  appendFileSync(
    join(dir, 'data', 'postgresql.conf'),
    `${settings(dir, port)}wal_level = replica\nmax_wal_senders = 5\n`,
  );
  const s = server(dir, port);
  s.start();
  return s;
}

/** A hot standby streaming from `primary`, made with pg_basebackup. */
export async function startDebianReplica(primary: DebianProcess): Promise<DebianProcess> {
  const dir = ownedFolder('aidos-pg15r-');
  const port = await freePort();
  asPostgres(`${BIN}/pg_basebackup`, [
    '-h',
    '127.0.0.1',
    '-p',
    String(primary.port),
    '-U',
    'postgres',
    '-D',
    join(dir, 'data'),
    '-R',
    '-X',
    'stream',
  ]);
  appendFileSync(join(dir, 'data', 'postgresql.conf'), `${settings(dir, port)}hot_standby = on\n`);
  const s = server(dir, port);
  s.start();
  return s;
}

/** PgBouncer in transaction mode in front of `target` (any database, trust auth). */
export async function startPgBouncer(target: { port: number }, poolSize = 10): Promise<DebianProcess> {
  const dir = ownedFolder('aidos-pgb-');
  const port = await freePort();
  writeFileSync(
    join(dir, 'pgbouncer.ini'),
    `[databases]\n* = host=127.0.0.1 port=${target.port}\n[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = ${port}\n` +
      `unix_socket_dir = ${dir}\nauth_type = trust\nauth_file = ${join(dir, 'users.txt')}\npool_mode = transaction\n` +
      `default_pool_size = ${poolSize}\nmax_client_conn = 500\nignore_startup_parameters = extra_float_digits,statement_timeout\n` +
      `logfile = ${join(dir, 'log')}\npidfile = ${join(dir, 'pid')}\n`,
  );
  writeFileSync(join(dir, 'users.txt'), '"postgres" ""\n');
  execFileSync('chown', ['-R', 'postgres:postgres', dir]);
  const start = () => {
    asPostgres('/usr/sbin/pgbouncer', ['-d', join(dir, 'pgbouncer.ini')]);
  };
  const stop = () => {
    let pid: number;
    try {
      pid = Number(readFileSync(join(dir, 'pid'), 'utf8'));
      process.kill(pid, 'SIGINT');
    } catch {
      return;
    }
    // Bounded wait for the exit, so a restart can bind the port again.
    const deadline = Date.now() + 10_000;
    while (existsSync(`/proc/${pid}`) && !isZombie(pid) && Date.now() < deadline)
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
  };
  start();
  return handle(dir, port, start, stop);
}

/** A primary with the aidos schema migrated, and a hot standby streaming from it. */
export async function startMigratedPrimaryAndReplica(): Promise<{
  primary: DebianProcess;
  replica: DebianProcess;
}> {
  const primary = await startDebianPrimary();
  await (await migratedTestStore(primary.url, 'setup')).close();
  return { primary, replica: await startDebianReplica(primary) };
}

/** One query in a session of its own (checks from outside the daemon). */
export async function queryOnce(
  url: string,
  text: string,
  params: unknown[] = [],
): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  client.on('error', () => {});
  await client.connect();
  try {
    return (await client.query(text, params)).rows;
  } finally {
    await client.end();
  }
}
