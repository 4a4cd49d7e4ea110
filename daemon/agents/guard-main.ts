/**
 * The agent guard: one small process per daemon, beside its agents, fed by the daemon through a
 * pipe on stdin. A daemon that is paused (SIGSTOP, a long GC, a frozen VM) cannot stop its own
 * agents, and their leases would lapse while they still run; this process keeps running and stops
 * an agent once the daemon has not confirmed its lease for `bound_ms`, which the daemon sets
 * shorter than the lease. Usage: guard-main BOUND_MS [ABORT_MS].
 *
 * Two kinds of agent. A process agent is killed (its whole process group). A gateway turn runs
 * inside a gateway that serves other tasks too, so it is aborted over the gateway's own protocol
 * (`sessions.abort` for exactly its run); when the gateway does not confirm within ABORT_MS (it is
 * stopped, blocked on a full log pipe, gone from the port) the gateway's process group is killed
 * instead, so the turn is dead either way before the lease can lapse.
 *
 * Lines on stdin: `watch PGID STARTTIME [SINCE]`, `turn TASKID PORT GWPID GWSTART SESSIONKEY RUNID TOKEN`,
 * `beat [@SINCE] KEY...`, `unwatch KEY`, `bye` (the daemon stops cleanly). KEY is the PGID of a
 * process agent or `turn:TASKID`. End of input without `bye` means the daemon died: every watched
 * process group is killed (a gateway dies with its daemon anyway).
 * SINCE (epoch ms, this host's clock) is when the daemon sent the store call that proved the lease:
 * the clock counts from then, never from a later arrival, so a survivor that sees the proof older
 * than the bound knows this guard has fired (daemon/tasks/failover.ts).
 * Each stop is reported on stdout as one JSON line.
 */
import { createInterface } from 'node:readline';
import type { GuardedTurn } from './guard.js';
import { signalGroup, signalPids } from './kill.js';
import { processTree, readStat } from './proc.js';

interface Process {
  kind: 'process';
  /** Process group of the agent (its leader's pid). */
  pgid: number;
  /** /proc start time of the group leader, so a recycled pid is never signalled. */
  startTime: number;
  /** When the daemon last confirmed this agent's lease, ms (this process's clock). */
  beatAt: number;
}

/** A gateway turn: aborted in its gateway, or the gateway killed. */
interface Turn extends GuardedTurn {
  kind: 'turn';
  beatAt: number;
}

type Watched = Process | Turn;

const boundMs = Number(process.argv[2]);
const abortMs = process.argv[3] === undefined ? 2_000 : Number(process.argv[3]);
if (!Number.isInteger(boundMs) || boundMs <= 0 || !Number.isInteger(abortMs) || abortMs <= 0) {
  process.stderr.write('agent guard: usage: guard-main BOUND_MS [ABORT_MS]\n');
  process.exit(64);
}

const watched = new Map<string, Watched>();
let bye = false;

const report = (line: Record<string, unknown>): void => {
  process.stdout.write(`${JSON.stringify(line)}\n`);
};

/** Kills a process group and its strays; how many processes it held (0: gone or not ours any more). */
function killGroup(pgid: number, startTime: number): number {
  const leader = readStat(pgid);
  // The leader is our daemon's unreaped child while it is paused, so its pid cannot be reused;
  // a different start time means it was reaped and the number now names someone else.
  if (!leader || leader.startTime !== startTime) return 0;
  const tree = processTree(pgid, startTime);
  try {
    signalGroup(pgid, 'SIGKILL');
  } catch {
    // EPERM: not ours any more; nothing of our agent is left in that group.
  }
  signalPids(
    tree.map((p) => p.pid),
    'SIGKILL',
  );
  return tree.length;
}

function stopProcess(entry: Process, why: string): void {
  const processes = killGroup(entry.pgid, entry.startTime);
  report({ stopped: entry.pgid, why, silent_ms: Date.now() - entry.beatAt, processes });
}

/** `sessions.abort` for the turn's run on a connection of our own, bounded by ABORT_MS. */
async function abortInGateway(turn: Turn): Promise<{ status?: string }> {
  // Loaded only once a turn needs it: a guard of process agents stays small.
  const { GatewayClient } = await import('./gateway/client.js');
  const deadline = Date.now() + abortMs;
  const client = await GatewayClient.connect({
    url: `ws://127.0.0.1:${turn.port}`,
    token: turn.token,
    connectTimeoutMs: abortMs,
    // A turn belongs to the connection that started it (the daemon's, frozen with it); only an
    // admin may abort another connection's run.
    scopes: ['operator.read', 'operator.write', 'operator.admin'],
  });
  try {
    return (await client.request(
      'sessions.abort',
      { key: turn.sessionKey, runId: turn.runId },
      Math.max(1, deadline - Date.now()),
    )) as { status?: string };
  } finally {
    client.close();
  }
}

async function stopTurn(turn: Turn, why: string): Promise<void> {
  const base = { task: turn.taskId, run_id: turn.runId, gateway_pid: turn.gatewayPid, why };
  const silent = Date.now() - turn.beatAt;
  const leader = readStat(turn.gatewayPid);
  if (!leader || leader.startTime !== turn.gatewayStart) {
    report({ ...base, silent_ms: silent, how: 'gateway gone' });
    return;
  }
  try {
    const answer = await abortInGateway(turn);
    report({ ...base, silent_ms: silent, how: 'sessions.abort', status: answer.status ?? null });
  } catch (error) {
    // The gateway could not confirm: it dies instead, and every turn in it (all this daemon's).
    const processes = killGroup(turn.gatewayPid, turn.gatewayStart);
    report({ ...base, silent_ms: silent, how: 'gateway killed', processes, err: String(error) });
  }
}

/** Never later than now: a daemon clock ahead of ours must not stretch the bound. */
const sinceOf = (value: number | undefined): number =>
  value !== undefined && Number.isFinite(value) ? Math.min(value, Date.now()) : Date.now();

function onLine(line: string): void {
  const [verb, ...rest] = line.trim().split(' ');
  const since = rest[0]?.startsWith('@') ? sinceOf(Number(rest.shift()?.slice(1))) : undefined;
  if (verb === 'watch' && (rest.length === 2 || rest.length === 3)) {
    const [pgid, startTime, at] = rest.map(Number) as [number, number, number | undefined];
    watched.set(String(pgid), { kind: 'process', pgid, startTime, beatAt: sinceOf(at) });
  } else if (verb === 'turn' && rest.length === 7) {
    const [taskId, port, gatewayPid, gatewayStart, sessionKey, runId, token] = rest as [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    watched.set(`turn:${taskId}`, {
      kind: 'turn',
      taskId,
      port: Number(port),
      gatewayPid: Number(gatewayPid),
      gatewayStart: Number(gatewayStart),
      sessionKey,
      runId,
      token,
      beatAt: Date.now(),
    });
  } else if (verb === 'beat') {
    for (const key of rest) {
      const entry = watched.get(key);
      if (entry) entry.beatAt = Math.max(entry.beatAt, since ?? Date.now());
    }
  } else if (verb === 'unwatch' && rest[0] !== undefined) watched.delete(rest[0]);
  else if (verb === 'bye') bye = true;
}

// Checked often against the bound so a stop lands well before the lease, even on a loaded host.
const tick = setInterval(
  () => {
    const now = Date.now();
    for (const [key, entry] of watched) {
      if (now - entry.beatAt <= boundMs) continue;
      watched.delete(key);
      if (entry.kind === 'process') stopProcess(entry, 'daemon stopped renewing');
      else void stopTurn(entry, 'daemon stopped renewing');
    }
  },
  Math.max(20, Math.min(100, Math.floor(boundMs / 8))),
);

const input = createInterface({ input: process.stdin });
input.on('line', onLine);
input.on('close', () => {
  clearInterval(tick);
  if (!bye)
    for (const entry of watched.values()) {
      if (entry.kind === 'process') stopProcess(entry, 'daemon gone');
      // A gateway without its daemon must not go on running turns nobody will collect.
      else
        report({
          task: entry.taskId,
          stopped: entry.gatewayPid,
          why: 'daemon gone',
          processes: killGroup(entry.gatewayPid, entry.gatewayStart),
        });
    }
  process.exit(0);
});
