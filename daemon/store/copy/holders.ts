import { readdirSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';

/** A process that has the SQLite file (or its WAL) open. */
export interface FileHolder {
  /** Process id. */
  pid: number;
  /** Its command line, for the message. */
  command: string;
}

/**
 * Processes (other than this one) holding the database, its -wal or its -shm open, read from
 * /proc/PID/fd. A daemon keeps its store open for its whole life, so this finds a running one
 * whatever its config says; processes we may not inspect are skipped.
 */
export function fileHolders(path: string): FileHolder[] {
  const real = realpathSync(path);
  const wanted = new Set([real, `${real}-wal`, `${real}-shm`]);
  const holders: FileHolder[] = [];
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return holders;
  }
  for (const name of pids) {
    const pid = Number(name);
    if (pid === process.pid) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    const holds = fds.some((fd) => {
      try {
        return wanted.has(readlinkSync(`/proc/${pid}/fd/${fd}`));
      } catch {
        return false;
      }
    });
    if (!holds) continue;
    let command = '';
    try {
      command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
    } catch {}
    holders.push({ pid, command });
  }
  return holders;
}
