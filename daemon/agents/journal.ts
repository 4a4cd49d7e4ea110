import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type Clock, systemClock } from './clock.js';
import { terminateTree } from './kill.js';
import { processTree, readStat } from './proc.js';
import { safeName } from './safe-name.js';

/** What the daemon writes down about a running agent, so a restarted daemon can find it. */
export interface JournalEntry {
  /** Task the agent runs. */
  taskId: string;
  /** Attempt number. */
  attempt: number;
  /** Fencing token of the claim the run belongs to. */
  fence: number;
  /** Agent pid. */
  pid: number;
  /** Its process group (the agent leads its own group). */
  pgid: number;
  /** /proc start time in ticks: tells the agent apart from a later process reusing the pid. */
  procStartTime: number;
  /** When the run started, ms since the epoch. */
  startedAt: number;
}

/** One journaled run found at daemon start. */
export interface ReapedSurvivor {
  /** Task the agent ran. */
  taskId: string;
  /** Attempt number. */
  attempt: number;
  /** Fencing token of its claim. */
  fence: number;
  /** The journaled pid. */
  pid: number;
  /** True when something of the run was still alive and was killed. */
  killed: boolean;
}

export function journalPath(journalDir: string, taskId: string): string {
  return join(journalDir, `${safeName(taskId)}.json`);
}

/**
 * Written via a temp file and rename so a crash mid-write never leaves a torn entry; synchronously,
 * because a few hundred bytes to local disk cost less than a round trip through the fs thread pool.
 */
export function writeJournal(journalDir: string, entry: JournalEntry): string {
  mkdirSync(journalDir, { recursive: true });
  const path = journalPath(journalDir, entry.taskId);
  writeFileSync(`${path}.tmp`, `${JSON.stringify(entry)}\n`);
  renameSync(`${path}.tmp`, path);
  return path;
}

export async function removeJournal(path: string): Promise<void> {
  await rm(path, { force: true });
}

/**
 * Kills what is left of journaled runs (after a daemon crash) and clears the journal.
 * Only processes provably from the run are touched: the leader if its start time still
 * matches, otherwise group members that started after it (the leader died, children live).
 */
export async function reapSurvivors(
  journalDir: string,
  options: { graceMs?: number; clock?: Clock } = {},
): Promise<ReapedSurvivor[]> {
  const clock = options.clock ?? systemClock;
  let names: string[];
  try {
    names = (await readdir(journalDir)).filter((n) => n.endsWith('.json'));
  } catch {
    return [];
  }
  const out: ReapedSurvivor[] = [];
  for (const name of names) {
    const path = join(journalDir, name);
    let entry: JournalEntry;
    try {
      entry = JSON.parse(await readFile(path, 'utf8')) as JournalEntry;
    } catch {
      await removeJournal(path);
      continue;
    }
    const leader = readStat(entry.pid);
    const sameLeader = leader !== undefined && leader.startTime === entry.procStartTime;
    // A recycled pid leading a group of its own would have a later start time; then the
    // recorded group is someone else's and only strictly newer members can be ours.
    const tree = sameLeader || leader === undefined ? processTree(entry.pgid, entry.procStartTime) : [];
    const killed = tree.length > 0;
    if (killed) await terminateTree(entry.pgid, entry.procStartTime, options.graceMs ?? 5_000, clock);
    out.push({ taskId: entry.taskId, attempt: entry.attempt, fence: entry.fence, pid: entry.pid, killed });
    await removeJournal(path);
  }
  return out;
}
