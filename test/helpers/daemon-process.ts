import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from './postgres-server.js';
import { waitFor } from './wait.js';

/** The compiled CLI (npm test builds first). */
export const AIDOS_BIN = resolve('dist/daemon/bin/aidos.js');

/** A real aidosd child process on 127.0.0.1. */
export interface DaemonProcess {
  /** The child. */
  child: ChildProcess;
  /** http://127.0.0.1:PORT */
  url: string;
  /** Its port. */
  port: number;
  /** Its data directory. */
  dataDir: string;
  /** Everything it printed on stdout (JSON log lines) and stderr so far. */
  output(): string;
  /** Parsed JSON log lines so far. */
  logs(): Record<string, unknown>[];
  /** Resolves with the exit code (or signal) once it exits. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM and wait (bounded); SIGKILL if it does not stop. */
  stop(timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL, no cleanup by the daemon. */
  kill9(): Promise<void>;
}

/** Options for a test daemon. */
export interface StartDaemonOptions {
  /** Extra CLI args after `daemon`. */
  args?: string[];
  /** Extra environment. */
  env?: Record<string, string>;
  /** Variables of this process's environment the daemon must not inherit. */
  unsetEnv?: string[];
  /** Reuse a data dir (restart); else a fresh temp dir. */
  dataDir?: string;
  /** Reuse a port (restart); else a free one. */
  port?: number;
  /** Wait for /health/ready to pass (default true). */
  waitReady?: boolean;
  /** Node.js flags, e.g. the ones deploy/aidosd.service sets in NODE_OPTIONS. */
  nodeArgs?: string[];
}

const cleanups: (() => Promise<void>)[] = [];

/** Stops every daemon and deletes every temp dir this file started; call from afterAll/afterEach. */
export async function cleanupDaemons(): Promise<void> {
  while (cleanups.length)
    await cleanups
      .pop()?.()
      .catch(() => {});
}

export async function startDaemon(options: StartDaemonOptions = {}): Promise<DaemonProcess> {
  const ownDir = !options.dataDir;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'aidos-d-')));
  const port = options.port ?? (await freePort());
  const env: NodeJS.ProcessEnv = { ...process.env, AIDOS_LOG_LEVEL: 'debug', ...options.env };
  for (const name of options.unsetEnv ?? []) delete env[name];
  const child = spawn(
    process.execPath,
    [
      ...(options.nodeArgs ?? []),
      AIDOS_BIN,
      'daemon',
      '--data-dir',
      dataDir,
      '--listen',
      `127.0.0.1:${port}`,
      '--node-id',
      `n${port}`,
      ...(options.args ?? []),
    ],
    { env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) =>
    child.once('exit', (code, signal) => res({ code, signal })),
  );
  let isExited = false;
  void exited.then(() => {
    isExited = true;
  });
  const url = `http://127.0.0.1:${port}`;
  const proc: DaemonProcess = {
    child,
    url,
    port,
    dataDir,
    output: () => out,
    logs: () =>
      out
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    exited,
    stop: async (timeoutMs = 15_000) => {
      if (!isExited) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const result = await exited;
      clearTimeout(timer);
      for (const line of out.split('\n'))
        if (line.includes('"unhandled rejection"')) process.stderr.write(`UNHANDLED IN DAEMON: ${line}\n`);
      return result;
    },
    kill9: async () => {
      if (!isExited) child.kill('SIGKILL');
      await exited;
    },
  };
  cleanups.push(async () => {
    await proc.stop(5_000);
    if (ownDir) await rm(dataDir, { recursive: true, force: true });
  });
  if (options.waitReady ?? true) {
    await waitFor(
      async () => {
        if (isExited) throw new Error(`daemon exited early:\n${out}`);
        const res = await fetch(`${url}/health/ready`).catch(() => undefined);
        return res?.status === 200;
      },
      20_000,
      `daemon on port ${port} to be ready`,
    );
  }
  return proc;
}
