/**
 * The agent guard: one small process per daemon, beside its agents, fed by the daemon through a
 * pipe on stdin. A daemon that is paused (SIGSTOP, a long GC, a frozen VM) cannot stop its own
 * agents, and their leases would lapse while they still run; this process keeps running and kills
 * an agent's process group once the daemon has not confirmed its lease for `bound_ms`, which the
 * daemon sets shorter than the lease. Usage: guard-main BOUND_MS.
 *
 * Lines on stdin: `watch PGID STARTTIME [SINCE]`, `beat [@SINCE] PGID...`, `unwatch PGID`, `bye` (the daemon stops
 * cleanly). End of input without `bye` means the daemon died: every watched group is killed.
 * SINCE (epoch ms, this host's clock) is when the daemon sent the store call that proved the lease:
 * the clock counts from then, never from a later arrival, so a survivor that sees the proof older
 * than the bound knows this guard has fired (daemon/tasks/failover.ts).
 * Each kill is reported on stdout as one JSON line.
 */
import { createInterface } from 'node:readline';
import { signalGroup, signalPids } from './kill.js';
import { processTree, readStat } from './proc.js';

interface Watched {
  /** /proc start time of the group leader, so a recycled pid is never signalled. */
  startTime: number;
  /** When the daemon last confirmed this agent's lease, ms (this process's clock). */
  beatAt: number;
}

const boundMs = Number(process.argv[2]);
if (!Number.isInteger(boundMs) || boundMs <= 0) {
  process.stderr.write('agent guard: usage: guard-main BOUND_MS\n');
  process.exit(64);
}

const watched = new Map<number, Watched>();
let bye = false;

function kill(pgid: number, entry: Watched, why: string): void {
  watched.delete(pgid);
  const leader = readStat(pgid);
  // The leader is our daemon's unreaped child while it is paused, so its pid cannot be reused;
  // a different start time means it was reaped and the number now names someone else.
  if (leader && leader.startTime !== entry.startTime) return;
  const tree = processTree(pgid, entry.startTime);
  try {
    signalGroup(pgid, 'SIGKILL');
  } catch {
    // EPERM: not ours any more; nothing of our agent is left in that group.
  }
  signalPids(
    tree.map((p) => p.pid),
    'SIGKILL',
  );
  process.stdout.write(
    `${JSON.stringify({ stopped: pgid, why, silent_ms: Date.now() - entry.beatAt, processes: tree.length })}\n`,
  );
}

/** Never later than now: a daemon clock ahead of ours must not stretch the bound. */
const sinceOf = (value: number | undefined): number =>
  value !== undefined && Number.isFinite(value) ? Math.min(value, Date.now()) : Date.now();

function onLine(line: string): void {
  const [verb, ...rest] = line.trim().split(' ');
  const since = rest[0]?.startsWith('@') ? sinceOf(Number(rest.shift()?.slice(1))) : undefined;
  const nums = rest.map(Number);
  if (verb === 'watch' && (nums.length === 2 || nums.length === 3))
    watched.set(nums[0] as number, { startTime: nums[1] as number, beatAt: sinceOf(nums[2]) });
  else if (verb === 'beat') {
    for (const pgid of nums) {
      const entry = watched.get(pgid);
      if (entry) entry.beatAt = Math.max(entry.beatAt, since ?? Date.now());
    }
  } else if (verb === 'unwatch') watched.delete(nums[0] as number);
  else if (verb === 'bye') bye = true;
}

// Checked often against the bound so a kill lands well before the lease, even on a loaded host.
const tick = setInterval(
  () => {
    const now = Date.now();
    for (const [pgid, entry] of watched)
      if (now - entry.beatAt > boundMs) kill(pgid, entry, 'daemon stopped renewing');
  },
  Math.max(20, Math.min(100, Math.floor(boundMs / 8))),
);

const input = createInterface({ input: process.stdin });
input.on('line', onLine);
input.on('close', () => {
  clearInterval(tick);
  if (!bye) for (const [pgid, entry] of watched) kill(pgid, entry, 'daemon gone');
  process.exit(0);
});
