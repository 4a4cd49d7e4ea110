import { readdirSync, readFileSync } from 'node:fs';

/** The fields of /proc/PID/stat the supervisor needs. */
export interface ProcStat {
  /** Process id. */
  pid: number;
  /** One-letter state; 'Z' (zombie) and 'X' (dead) count as not running. */
  state: string;
  /** Parent pid. */
  ppid: number;
  /** Process group id. */
  pgrp: number;
  /** User + system CPU in clock ticks. */
  cpuTicks: number;
  /** Start time in clock ticks since boot; with pid, identifies a process across pid reuse. */
  startTime: number;
  /** Resident set size in bytes. */
  rssBytes: number;
}

// Linux fixes USER_HZ at 100 for /proc on every mainstream architecture, and pages at 4 KiB on x86/arm64 defaults.
const TICKS_PER_SECOND = 100;
const PAGE_SIZE = 4096;

/** Parses /proc/PID/stat; the command name may hold spaces and ')' so fields are split after the last ')'. */
export function parseStat(text: string): ProcStat | undefined {
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  const pid = Number.parseInt(text, 10);
  const f = text.slice(close + 2).split(' ');
  // f[0] is field 3 (state); field n is f[n - 3].
  return {
    pid,
    state: f[0] ?? '?',
    ppid: Number(f[1]),
    pgrp: Number(f[2]),
    cpuTicks: Number(f[11]) + Number(f[12]),
    startTime: Number(f[19]),
    rssBytes: Number(f[21]) * PAGE_SIZE,
  };
}

/** The stat of one pid, or undefined when it does not exist (or vanished while reading). */
export function readStat(pid: number): ProcStat | undefined {
  try {
    return parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Zombies still answer `kill -0`, so "alive" must come from the state letter. */
export function isRunning(stat: ProcStat | undefined): stat is ProcStat {
  return stat !== undefined && stat.state !== 'Z' && stat.state !== 'X';
}

export function isPidRunning(pid: number): boolean {
  return isRunning(readStat(pid));
}

/** Every running process on the host; processes that exit mid-scan are skipped. */
export function allProcesses(): ProcStat[] {
  const out: ProcStat[] = [];
  for (const name of readdirSync('/proc')) {
    const c = name.charCodeAt(0);
    if (c < 48 || c > 57) continue;
    const stat = readStat(Number(name));
    if (isRunning(stat)) out.push(stat);
  }
  return out;
}

/**
 * The tree of `rootPid`: members of its process group plus descendants that left it
 * (setsid), started no earlier than the root so a recycled pgid is not counted.
 */
export function processTree(
  rootPid: number,
  rootStartTime: number,
  all: ProcStat[] = allProcesses(),
): ProcStat[] {
  const byParent = new Map<number, ProcStat[]>();
  for (const p of all) byParent.set(p.ppid, [...(byParent.get(p.ppid) ?? []), p]);
  const members = new Map<number, ProcStat>();
  for (const p of all) if (p.pgrp === rootPid && p.startTime >= rootStartTime) members.set(p.pid, p);
  const queue = [rootPid, ...members.keys()];
  while (queue.length > 0) {
    for (const child of byParent.get(queue.pop() as number) ?? []) {
      if (members.has(child.pid) || child.startTime < rootStartTime) continue;
      members.set(child.pid, child);
      queue.push(child.pid);
    }
  }
  return [...members.values()];
}

export function ticksToMs(ticks: number): number {
  return (ticks * 1000) / TICKS_PER_SECOND;
}
