#!/usr/bin/env node
// `npm run bench -- <name>`: runs the compiled benchmark dist/test/bench/<name>.js, which prints one JSON line.
import { existsSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const name = process.argv[2];
const dir = resolve('dist/test/bench');
const available = existsSync(dir)
  ? readdirSync(dir)
      .filter((f) => f.endsWith('.js'))
      .map((f) => f.slice(0, -3))
  : [];
if (!name || !available.includes(name)) {
  process.stderr.write(
    `usage: npm run bench -- <name>\navailable: ${available.join(', ') || '(none built)'}\n`,
  );
  process.exit(64);
}
const mod = await import(pathToFileURL(`${dir}/${name}.js`).href);
await mod.default();
