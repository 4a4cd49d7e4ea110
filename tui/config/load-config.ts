import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { wireErrorFromZod } from '../../shared/errors.js';
import { type TuiConfig, tuiConfigSchema } from './tui-config.js';
import { TuiError } from './tui-error.js';

/** Where the config lives: $AIDOS_TUI_CONFIG, else $XDG_CONFIG_HOME/aidos/tui.yaml, else ~/.config/aidos/tui.yaml. */
export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.AIDOS_TUI_CONFIG) return env.AIDOS_TUI_CONFIG;
  const base = env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(base, 'aidos', 'tui.yaml');
}

/** Reads and validates the config file; a missing file is an empty config, a bad one an error naming the key. */
export function loadConfig(path: string): TuiConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new TuiError(`${path}: cannot read: ${(cause as Error).message}`, { cause });
  }
  let raw: unknown;
  try {
    raw = YAML.parse(text);
  } catch (cause) {
    throw new TuiError(`${path}: not valid YAML: ${(cause as Error).message}`, { cause });
  }
  const parsed = tuiConfigSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    const wire = wireErrorFromZod(parsed.error);
    throw new TuiError(`${path}: ${wire.message}`, wire.field ? { field: wire.field } : {});
  }
  return parsed.data;
}
