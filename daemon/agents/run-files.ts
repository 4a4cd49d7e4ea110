import { renameSync } from 'node:fs';
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** Suffix of a folder being deleted; left over only if the daemon died mid-delete, then swept again. */
const DELETING = '.deleting';

/**
 * Deletes per-task folders (`<root>/<task>/`: run folders with the agent's workdir and message, or
 * log folders) that nothing has been added to since `cutoffMs`, so a busy node's disk does not fill
 * with finished runs. A task's folder gains an entry at every attempt, so its mtime is the last
 * attempt's start. A folder whose task `isLive` is never touched: the check and a rename out of the
 * way happen in one synchronous step, so a run starting meanwhile gets a fresh folder, never a
 * half-deleted one. Returns how many folders were removed.
 */
export async function sweepRunFiles(
  roots: string[],
  cutoffMs: number,
  isLive: (folderName: string) => boolean,
): Promise<number> {
  let removed = 0;
  for (const root of roots) {
    let names: string[];
    try {
      names = await readdir(root);
    } catch {
      continue;
    }
    for (const name of names) {
      const path = join(root, name);
      if (name.endsWith(DELETING)) {
        await rm(path, { recursive: true, force: true });
        continue;
      }
      const info = await stat(path).catch(() => undefined);
      if (!info?.isDirectory() || info.mtimeMs >= cutoffMs || isLive(name)) continue;
      const doomed = `${path}${DELETING}`;
      try {
        renameSync(path, doomed);
      } catch {
        continue;
      }
      await rm(doomed, { recursive: true, force: true });
      removed += 1;
    }
  }
  return removed;
}
