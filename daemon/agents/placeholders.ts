import { AidosError } from '../errors.js';

/** Values substituted into profile args and env; keys are the placeholder names. */
export interface PlaceholderValues {
  /** File holding the task message. */
  message_file: string;
  /** Per-run working directory. */
  workdir: string;
  /** Timeout in whole seconds (rounded up). */
  timeout_s: string;
  /** Task id. */
  task_id: string;
  /** Attempt number, from 1. */
  attempt: string;
  /** Model requested for the task, or empty. */
  model: string;
  /** Session id for the run (gateway mode uses the task id). */
  session_id: string;
}

export const PLACEHOLDER_NAMES: readonly (keyof PlaceholderValues)[] = [
  'message_file',
  'workdir',
  'timeout_s',
  'task_id',
  'attempt',
  'model',
  'session_id',
];

const PATTERN = /\{([a-z_]+)\}/g;

/** Throws a config error naming `field` when `template` uses a placeholder we do not know. */
export function checkPlaceholders(template: string, field: string): void {
  for (const match of template.matchAll(PATTERN)) {
    const name = match[1] as string;
    if (!(PLACEHOLDER_NAMES as readonly string[]).includes(name)) {
      throw new AidosError(
        'config',
        `invalid config: ${field}: unknown placeholder {${name}} (known: ${PLACEHOLDER_NAMES.map((n) => `{${n}}`).join(', ')})`,
        { field },
      );
    }
  }
}

/** Replaces every known placeholder; templates were checked at config load, so none is unknown. */
export function expandPlaceholders(template: string, values: PlaceholderValues): string {
  return template.replace(PATTERN, (whole, name: string) =>
    Object.hasOwn(values, name) ? values[name as keyof PlaceholderValues] : whole,
  );
}
