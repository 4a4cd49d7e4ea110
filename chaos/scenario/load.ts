import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML, { LineCounter, type Node } from 'yaml';
import type { z } from 'zod';
import { ChaosError } from '../errors.js';
import { type Scenario, scenarioSchema } from './schema.js';

const here = dirname(fileURLToPath(import.meta.url));
/** The library shipped with the daemon: chaos/scenarios/ (beside the sources, or above dist/ when compiled). */
export const LIBRARY_DIR =
  [resolve(here, '../scenarios'), resolve(here, '../../../chaos/scenarios')].find((d) => existsSync(d)) ??
  resolve(here, '../scenarios');

/** The deepest node of the document on `path` that exists, so a missing field points at its parent. */
function nodeAt(doc: YAML.Document, path: PropertyKey[]): Node | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n) as unknown[], true) as Node | undefined;
    if (node && typeof node === 'object' && 'range' in node && node.range) return node;
  }
  return undefined;
}

/** `path: message` of a validation issue; a union's best branch names the real field. */
export function describeIssue(issue: z.core.$ZodIssue): string {
  // A union of step shapes reports "invalid input"; the branch errors say what was wrong.
  if (issue.code === 'invalid_union' && issue.errors.length) {
    const best = issue.errors.reduce((a, b) => (a.length <= b.length ? a : b));
    const first = best[0];
    if (first) return `${[...issue.path, ...first.path].join('.')}: ${first.message}`;
  }
  return `${issue.path.join('.') || '(top level)'}: ${issue.message}`;
}

/**
 * Parses and validates one scenario; errors name the file, line and field
 * (e.g. `pg-unreachable.yaml:12: steps.0.duration: "20x" is not a duration`).
 */
export function parseScenario(text: string, file = 'scenario.yaml'): Scenario {
  const lineCounter = new LineCounter();
  const doc = YAML.parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length) {
    const e = doc.errors[0] as YAML.YAMLError;
    const line = e.linePos?.[0]?.line ?? lineCounter.linePos(e.pos[0]).line;
    throw new ChaosError('input', `${file}:${line}: not valid YAML (${e.message.split('\n')[0]})`);
  }
  const parsed = scenarioSchema.safeParse(doc.toJS());
  if (!parsed.success) {
    const issue = parsed.error.issues[0] as z.core.$ZodIssue;
    const text = describeIssue(issue);
    const field = text.slice(0, text.indexOf(':'));
    const node = nodeAt(
      doc,
      field.split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : p)),
    );
    const line = node?.range ? lineCounter.linePos(node.range[0]).line : 1;
    throw new ChaosError('input', `${file}:${line}: ${text}`, { field });
  }
  const stem = basename(file).replace(/\.ya?ml$/, '');
  if (file !== 'scenario.yaml' && parsed.data.name !== stem)
    throw new ChaosError('input', `${file}:1: name: must equal the file name "${stem}"`, { field: 'name' });
  return parsed.data;
}

/** Reads and validates a scenario file. */
export function loadScenarioFile(path: string): Scenario {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new ChaosError('input', `cannot read scenario ${path}: ${(cause as Error).message}`, { cause });
  }
  return parseScenario(text, basename(path));
}

/** Every scenario of a folder (default: the library), by name. */
export function loadLibrary(dir = LIBRARY_DIR): Map<string, Scenario> {
  const out = new Map<string, Scenario>();
  for (const f of readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()) {
    const scenario = loadScenarioFile(join(dir, f));
    out.set(scenario.name, scenario);
  }
  return out;
}
