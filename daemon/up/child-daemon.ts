import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { UP_PATHS } from './paths.js';
import { waitReady } from './probe.js';

/** Child daemons spawned and not yet exited. They are detached, so a signal to up never reaches them. */
const live = new Set<ChildProcess>();

/** Sends SIGTERM to every child daemon still running (up was signalled before it could stop them in order). */
export function stopLiveChildren(): void {
  for (const child of live) child.kill('SIGTERM');
}

/** An `aidos daemon` that `aidos up` started and therefore stops. */
export interface ChildDaemon {
  /** http://host:port */
  url: string;
  /** Where its log lines (JSON) go. */
  logFile: string;
  /** Resolves with its exit code (or null after a signal) once it has exited. */
  exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL if it has not stopped within `timeoutMs`. */
  stop(timeoutMs: number): Promise<number | null>;
}

/** What a child daemon is started with. */
export interface ChildDaemonOptions {
  /** Arguments after `aidos daemon`. */
  args: string[];
  /** Its base URL, to wait for readiness on. */
  url: string;
  /** File its stdout and stderr are appended to. */
  logFile: string;
  /** Variables added to this process's environment. */
  env?: Record<string, string>;
  /** How long to wait for /health/ready. */
  readyTimeoutMs: number;
}

/**
 * Starts `aidos daemon` as a child in its own process group (Ctrl-C on the terminal reaches the
 * TUI, not the daemon: up stops it in order) and waits until it is ready.
 */
export async function startChildDaemon(options: ChildDaemonOptions): Promise<ChildDaemon> {
  mkdirSync(dirname(options.logFile), { recursive: true });
  const fd = openSync(options.logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(process.execPath, [UP_PATHS.aidos, 'daemon', ...options.args], {
      // JSON lines in the file, whatever the terminal: pretty output is for a person watching.
      env: { ...process.env, AIDOS_LOG_FORMAT: 'json', ...options.env },
      stdio: ['ignore', fd, fd],
      detached: true,
    });
  } finally {
    closeSync(fd);
  }
  live.add(child);
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', () => resolve(null));
  });
  void exited.then(() => live.delete(child));
  let done = false;
  void exited.then(() => {
    done = true;
  });
  const daemon: ChildDaemon = {
    url: options.url,
    logFile: options.logFile,
    exited,
    stop: async (timeoutMs) => {
      if (!done) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
  try {
    await waitReady(options.url, options.readyTimeoutMs, exited);
  } catch (error) {
    await daemon.stop(2_000);
    throw new Error(`${(error as Error).message} (its log: ${options.logFile})`, { cause: error });
  }
  return daemon;
}
