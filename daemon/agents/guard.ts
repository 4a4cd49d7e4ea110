import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { AgentLogger } from './logger.js';

/** The guard program: compiled next to this file, or (running from source in tests) in dist/. */
function guardScript(): string | undefined {
  const candidates = [
    new URL('./guard-main.js', import.meta.url),
    new URL('../../dist/daemon/agents/guard-main.js', import.meta.url),
  ];
  for (const url of candidates) {
    const path = fileURLToPath(url);
    if (existsSync(path)) return path;
  }
  return undefined;
}

/**
 * The daemon's side of the agent guard (guard-main.ts): one watchdog process per daemon, started
 * on the first agent, told of every agent and of every lease the daemon renews for it. One process
 * for all agents rather than one each: a Node process costs ~40 MB and ~40 ms of CPU to start.
 */
export class AgentGuard {
  private child: ChildProcess | undefined;
  private readonly watched = new Map<number, number>();
  private closed = false;
  private startedAt = 0;

  constructor(
    /** Silence after which the guard kills an agent, ms; shorter than the lease. */
    readonly boundMs: number,
    private readonly logger: AgentLogger,
    private readonly script = guardScript(),
  ) {
    if (!script) logger.warn({}, 'agent guard program not found: a paused daemon cannot stop its agents');
  }

  /** Guards the agent whose process group is `pgid`, its clock counting from `since` (epoch ms; default now). */
  watch(pgid: number, startTime: number, since?: number): void {
    this.watched.set(pgid, startTime);
    this.send(`watch ${pgid} ${startTime}${since === undefined ? '' : ` ${Math.floor(since)}`}`);
  }

  /** The daemon renewed these agents' leases with a call sent at `since` (epoch ms; default now): their clocks start again from then. */
  beat(pgids: number[], since?: number): void {
    if (pgids.length > 0)
      this.send(`beat ${since === undefined ? '' : `@${Math.floor(since)} `}${pgids.join(' ')}`);
  }

  /** The agent ended: the guard forgets it. */
  unwatch(pgid: number): void {
    if (this.watched.delete(pgid)) this.send(`unwatch ${pgid}`);
  }

  /** Ends the guard without killing anything (the daemon stops cleanly). */
  close(): void {
    this.closed = true;
    const child = this.child;
    this.child = undefined;
    if (child?.stdin?.writable) child.stdin.end('bye\n');
  }

  /** Pid of the guard process, while it runs. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  private send(line: string): void {
    const child = this.ensure();
    if (child?.stdin?.writable) child.stdin.write(`${line}\n`);
  }

  private ensure(): ChildProcess | undefined {
    if (this.child || this.closed || !this.script) return this.child;
    // A guard that keeps dying is not restarted more than once a second.
    if (Date.now() - this.startedAt < 1_000) return undefined;
    this.startedAt = Date.now();
    // Own process group (detached): a signal to the daemon's group must not stop the guard too.
    const child = spawn(process.execPath, [this.script, String(this.boundMs)], {
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
      env: {},
    });
    // A guard that cannot start (EMFILE, ENOMEM) leaves agents unguarded; it must not crash the daemon.
    child.once('error', (error) => this.logger.warn({ err: String(error) }, 'agent guard could not start'));
    child.unref();
    for (const stream of [child.stdin, child.stdout, child.stderr])
      (stream as unknown as { unref?: () => void } | null)?.unref?.();
    child.stdin?.on('error', () => {});
    child.stdout?.setEncoding('utf8').on('data', (text: string) => {
      for (const line of text.split('\n').filter(Boolean))
        this.logger.warn({ guard: safeJson(line) }, 'agent guard stopped an agent');
    });
    child.stderr?.setEncoding('utf8').on('data', (text: string) => {
      this.logger.warn({ guard: text.trim() }, 'agent guard');
    });
    child.once('exit', (code, signal) => {
      if (this.child !== child) return;
      this.child = undefined;
      if (!this.closed)
        this.logger.warn({ code, signal }, 'agent guard exited; restarted at the next renewal');
    });
    this.child = child;
    // A restarted guard learns every live agent again, their clocks starting now.
    for (const [pgid, start] of this.watched) child.stdin?.write(`watch ${pgid} ${start}\n`);
    return child;
  }
}

function safeJson(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return line;
  }
}
