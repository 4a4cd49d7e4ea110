import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { Readable } from 'node:stream';
import { execa } from 'execa';
import type { AgentLogger } from './logger.js';

/** What the supervisor asks for when starting a process. */
export interface SpawnRequest {
  /** Executable. */
  command: string;
  /** Arguments, passed as an array: never through a shell. */
  args: string[];
  /** Working directory. */
  cwd: string;
  /** Complete environment of the child. */
  env: Record<string, string>;
}

/** How a spawned process ended. */
export interface SpawnExit {
  /** Exit code, or undefined when killed by a signal or never started. */
  exitCode: number | undefined;
  /** Terminating signal, if any. */
  signal: string | undefined;
  /** Why the process could not be started (e.g. ENOENT), if it never ran. */
  spawnError: string | undefined;
}

/** A started process, as the supervisor sees it. */
export interface SpawnedProcess {
  /** Pid; undefined when the spawn itself failed (see exited.spawnError). */
  pid: number | undefined;
  /** Standard output. */
  stdout: Readable;
  /** Standard error. */
  stderr: Readable;
  /** Settles once the process has exited and been reaped. */
  exited: Promise<SpawnExit>;
}

/** Starts a process detached into its own process group; injected so tests can wrap it. */
export type SpawnFn = (request: SpawnRequest) => SpawnedProcess;

/** Spawns with execa: detached (own process group), stdin closed, output streamed, not buffered. */
export const execaSpawn: SpawnFn = (request) => {
  const sub = execa(request.command, request.args, {
    cwd: request.cwd,
    env: request.env,
    extendEnv: false,
    detached: true,
    stdin: 'ignore',
    buffer: false,
    reject: false,
    cleanup: false,
    forceKillAfterDelay: false,
  });
  // The 'exit' event, not execa's promise: execa also waits for the pipes to close, and a
  // grandchild holding them open would hide the agent's exit from us.
  const exited = new Promise<SpawnExit>((resolve) => {
    sub.once('exit', (code, signal) =>
      resolve({ exitCode: code ?? undefined, signal: signal ?? undefined, spawnError: undefined }),
    );
    sub.then(
      (r) => {
        if (sub.pid === undefined)
          resolve({ exitCode: undefined, signal: undefined, spawnError: r.originalMessage ?? r.message });
      },
      (e: Error) => resolve({ exitCode: undefined, signal: undefined, spawnError: e.message }),
    );
  });
  return { pid: sub.pid, stdout: sub.stdout, stderr: sub.stderr, exited };
};

function findOnPath(name: string, pathEnv: string | undefined): string | undefined {
  for (const dir of (pathEnv ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // Not here.
    }
  }
  return undefined;
}

/**
 * Wraps commands in `setpriv --pdeathsig KILL --` so the kernel kills the agent when the
 * daemon dies, even by SIGKILL. setpriv execs in place, so the pid stays the agent's.
 * Looked up once; without it (non-Linux, no util-linux) we warn and spawn directly.
 */
export function withParentDeathSignal(
  inner: SpawnFn,
  logger: AgentLogger,
  pathEnv = process.env.PATH,
): SpawnFn {
  const setpriv = process.platform === 'linux' ? findOnPath('setpriv', pathEnv) : undefined;
  if (!setpriv) {
    logger.warn({ platform: process.platform }, 'setpriv not found: agents may outlive a killed daemon');
    return inner;
  }
  return (request) =>
    inner({
      ...request,
      command: setpriv,
      args: ['--pdeathsig', 'KILL', '--', request.command, ...request.args],
    });
}
