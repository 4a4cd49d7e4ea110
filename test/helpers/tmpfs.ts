import { execFileSync } from 'node:child_process';
import { mkdtemp, open, rm, statfs } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A small tmpfs mounted for one test file: a disk that can be filled for real. */
export interface SmallDisk {
  /** Mount point. */
  path: string;
  /** Fills it to within `leaveBytes` of full with a filler file. */
  fill(leaveBytes?: number): Promise<void>;
  /** Deletes the filler. */
  free(): Promise<void>;
  /** Unmounts and removes the mount point. */
  unmount(): Promise<void>;
}

/** Why a small disk cannot be had here (not root, no mount), or undefined when it can. */
export function smallDiskUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'mounting a tmpfs needs root (CI runs as root)';
  return undefined;
}

/** Mounts a tmpfs of `sizeMb` (root only; see smallDiskUnavailable). */
export async function mountSmallDisk(sizeMb: number): Promise<SmallDisk> {
  const path = await mkdtemp(join(tmpdir(), 'aidos-disk-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m`, 'tmpfs', path]);
  const filler = join(path, 'filler');
  return {
    path,
    fill: async (leaveBytes = 0) => {
      const fs = await statfs(path);
      let left = fs.bavail * fs.bsize - leaveBytes;
      const file = await open(filler, 'a');
      const block = Buffer.alloc(64 * 1024, 1);
      try {
        while (left > 0) {
          const { bytesWritten } = await file.write(block, 0, Math.min(block.length, left));
          left -= bytesWritten;
        }
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
      } finally {
        await file.close();
      }
    },
    free: () => rm(filler, { force: true }),
    unmount: async () => {
      execFileSync('umount', ['-l', path]);
      await rm(path, { recursive: true, force: true });
    },
  };
}
