import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';

/** The files `npm pack` puts in the tarball (npm test has built dist/ already). */
function packedFiles(): Set<string> {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const [pack] = JSON.parse(out) as { files: { path: string }[] }[];
  return new Set(pack?.files.map((f) => f.path) ?? []);
}

describe('the packed tarball (README install: npm pack, npm install -g ./aidos-ops-*.tgz)', () => {
  it('holds every module the three binaries import, the migrations and the scenario library', () => {
    const files = packedFiles();
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { bin: Record<string, string> };
    const bins = Object.values(pkg.bin).map((b) => normalize(b));
    expect(bins.filter((b) => !files.has(b))).toEqual([]);
    // Walk relative imports from the binaries: one missing folder (dist/chaos once) breaks every command.
    const missing = new Set<string>();
    const seen = new Set<string>();
    const queue = [...bins];
    for (let file = queue.pop(); file !== undefined; file = queue.pop()) {
      if (seen.has(file)) continue;
      seen.add(file);
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/(?:from|import\()\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
        const target = normalize(join(dirname(file), m[1] as string));
        if (!files.has(target)) missing.add(`${file} → ${target}`);
        else queue.push(target);
      }
    }
    expect([...missing]).toEqual([]);
    expect(seen.size).toBeGreaterThan(100);
    expect(files.has('migrations/sqlite/0001_initial.sql')).toBe(true);
    expect(files.has('migrations/postgres/0001_initial.sql')).toBe(true);
    expect(files.has('chaos/scenarios/node-kill.yaml')).toBe(true);
    expect(files.has('deploy/aidosd.service')).toBe(true);
  });
});
