import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import type { z } from 'zod';
import { ChaosError } from '../errors.js';
import { describeIssue, LIBRARY_DIR } from './load.js';
import { type Scenario, scenarioSchema } from './schema.js';

/**
 * A scenario with some fields replaced, e.g. `{ "steps.0.duration": "2s", "load.tasks": 3 }`, as
 * `chaos run --set` gives them: shorter drills for tests and rehearsals, other magnitudes. Each
 * path must exist in the scenario (a typo is refused, not added), and the result is validated
 * again, so an error names `set.<path>`.
 */
export function overrideScenario(
  scenario: Scenario,
  set: Record<string, unknown>,
  dir = LIBRARY_DIR,
): Scenario {
  // The file as written (durations as text), so a re-validation reads it as the loader did.
  const doc = YAML.parse(readFileSync(join(dir, `${scenario.name}.yaml`), 'utf8')) as Record<string, unknown>;
  for (const [path, value] of Object.entries(set)) {
    const parts = path.split('.');
    let node: unknown = doc;
    for (const [i, part] of parts.entries()) {
      const last = i === parts.length - 1;
      if (typeof node !== 'object' || node === null || (!last && !(part in node)))
        throw new ChaosError(
          'input',
          `set.${path}: ${parts.slice(0, i + 1).join('.')} is not in ${scenario.name}`,
          {
            field: `set.${path}`,
          },
        );
      if (last) {
        if (!Array.isArray(node) && !(part in node) && !OPTIONAL.has(part))
          throw new ChaosError('input', `set.${path}: ${path} is not in ${scenario.name}`, {
            field: `set.${path}`,
          });
        (node as Record<string, unknown>)[part] = value;
      } else node = (node as Record<string, unknown>)[part];
    }
  }
  const parsed = scenarioSchema.safeParse(doc);
  if (!parsed.success) {
    const text = describeIssue(parsed.error.issues[0] as z.core.$ZodIssue);
    const field = text.slice(0, text.indexOf(':'));
    throw new ChaosError('input', `set.${text}`, { field: `set.${field}` });
  }
  return parsed.data;
}

// Fields a scenario file may leave out (defaults, optional bounds) that an override may still set.
const OPTIONAL = new Set([
  'deadline',
  'max_detection',
  'max_queue_age',
  'max_recovery',
  'task_success_rate',
  'health',
  'every_ms',
  'path',
  'floor_mb',
  'tasks',
  'message',
  'every',
  'max_attempts',
  'hypothesis',
  'load',
  'scope',
  'nodes',
  'protected',
  'observe',
]);
