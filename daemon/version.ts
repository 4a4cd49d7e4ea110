import { readFileSync } from 'node:fs';

function findVersion(): string {
  for (const rel of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'aidos-ops' && pkg.version) return pkg.version;
    } catch {
      // not at this depth (source vs dist/)
    }
  }
  return '0.0.0';
}

/** The aidos version, from package.json. */
export const VERSION = findVersion();
