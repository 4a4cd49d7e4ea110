import { accessSync, constants, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AidosError } from '../errors.js';
import { makeDirectory } from './make-directory.js';

/**
 * Makes sure `path` exists and this process can write into it, failing with "permission denied"
 * and the path (not SQLite's "unable to open database file") when it cannot.
 */
export function ensureWritableDir(path: string, key: string): void {
  const uid = typeof process.getuid === 'function' ? ` (running as uid ${process.getuid()})` : '';
  try {
    makeDirectory(path);
    accessSync(path, constants.W_OK | constants.X_OK);
    // access() asks the mode bits, which root passes everywhere; a file system that refuses even
    // root (sysfs, a read-only bind) only shows when a file is really created.
    const probe = join(path, `.aidos-write-check-${process.pid}`);
    writeFileSync(probe, '');
    rmSync(probe, { force: true });
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const why =
      code === 'EACCES' || code === 'EPERM'
        ? `permission denied: cannot write ${path}${uid}`
        : code === 'EROFS'
          ? `permission denied: cannot write ${path} (read-only file system)`
          : `cannot create ${path} (${(cause as Error).message})`;
    throw new AidosError('config', `${key}: ${why}`, { field: key, cause });
  }
}
