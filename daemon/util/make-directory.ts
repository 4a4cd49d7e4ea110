import { mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * `mkdir -p` for paths that come from the user. Node's `mkdirSync(…, { recursive: true })` spins
 * forever under pseudo file systems such as /proc (it retries the parent on ENOENT), so this walks
 * up to the nearest existing folder itself and creates each missing level once, failing with the
 * system's error (ENOENT, EACCES, ENOTDIR) instead of hanging.
 */
export function makeDirectory(path: string): void {
  const missing: string[] = [];
  let current = path;
  for (;;) {
    try {
      if (!statSync(current).isDirectory()) {
        throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${current}'`), { code: 'ENOTDIR' });
      }
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      const parent = dirname(current);
      missing.push(current);
      if (parent === current) break;
      current = parent;
    }
  }
  for (const dir of missing.reverse()) {
    try {
      mkdirSync(dir);
    } catch (error) {
      // Another process may create the same folder at the same moment.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}
