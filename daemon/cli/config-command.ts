import type { Command } from 'commander';
import { formatDurationExact } from '../../shared/duration.js';
import type { Config } from '../config/load.js';
import { describeOrigin, originOf } from '../config/provenance.js';
import { configSchema } from '../config/schema.js';
import { baseSchema, leafAtPath } from '../config/schema-walk.js';
import { duration, memorySize } from '../config/units.js';
import { AidosError, errorMessage } from '../errors.js';
import { addConfigFlags, type ConfigFlagValues, configFromFlags } from './config-flags.js';
import { EXIT } from './exit-codes.js';
import { formatBytes } from './format.js';
import { examples } from './help.js';
import { printJson, table } from './output.js';

/** Keys whose values are secrets: never printed. */
const SECRET_KEY = /(^|[._])(tokens?|key|password|secret|passwd)$|_token$|_key$/i;

/** One effective setting as `config check` prints it. */
export interface EffectiveSetting {
  /** Dotted key. */
  key: string;
  /** The value (secrets masked). */
  value: unknown;
  /** default, file PATH, env NAME or flag NAME. */
  source: string;
}

function mask(key: string, value: unknown): unknown {
  if (value === undefined || value === null) return value;
  if (SECRET_KEY.test(key)) return Array.isArray(value) ? value.map(() => '****') : '****';
  // A password inside a store URL: postgres://user:****@host/db
  if (typeof value === 'string') return value.replace(/^(postgres(?:ql)?:\/\/[^:/@]+:)[^@]*@/, '$1****@');
  return value;
}

/** The effective configuration as sorted key/value/source rows, secrets masked. */
export function effectiveSettings(config: Config): EffectiveSetting[] {
  const rows: EffectiveSetting[] = [];
  const walk = (value: unknown, path: string[]) => {
    const key = path.join('.');
    if (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length) {
      // listen is parsed into {host, port}; show it as written.
      if (key === 'listen') {
        const l = value as { host: string; port: number };
        rows.push({
          key,
          value: `${l.host}:${l.port}`,
          source: describeOrigin(originOf(config.provenance, key)),
        });
        return;
      }
      for (const [k, v] of Object.entries(value)) walk(v, [...path, k]);
      return;
    }
    rows.push({ key, value: mask(key, value), source: describeOrigin(originOf(config.provenance, key)) });
  };
  const { provenance: _p, source: _s, ...settings } = config;
  walk(settings, []);
  return rows.sort((a, b) => a.key.localeCompare(b.key));
}

const DURATION = baseSchema(duration);
const MEMORY = baseSchema(memorySize);

/** A value as the table shows it: durations and sizes human-readable (raw in --json). */
function show(key: string, value: unknown): string {
  if (value === undefined) return '-';
  if (typeof value === 'number') {
    const leaf = leafAtPath(configSchema, key.split('.'));
    const base = leaf && baseSchema(leaf);
    if (base === DURATION) return formatDurationExact(value);
    if (base === MEMORY || key.endsWith('_bytes')) return formatBytes(value) ?? String(value);
  }
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** `aidos config check [--config F]`: validate and print the effective config, like `nginx -t`. */
export function registerConfigCommand(program: Command): void {
  const config = examples(program.command('config').description('inspect the daemon configuration'), [
    'aidos config check --config /etc/aidos/aidosd.yaml',
  ]);
  const check = config
    .command('check')
    .description(
      'validate the configuration and print every effective value with its source (default, file, env, flag); exit 78 when invalid',
    )
    .option('--json', 'print JSON');
  examples(addConfigFlags(check, { server: true }), [
    'aidos config check',
    'aidos config check --config /etc/aidos/aidosd.yaml',
    'AIDOS_TASKS_LEASE=1m aidos config check --set log.level=debug --json',
  ]).action((flags: ConfigFlagValues & { json?: boolean }) => {
    let cfg: Config;
    try {
      cfg = configFromFlags(flags);
    } catch (error) {
      if (!(error instanceof AidosError) || error.kind !== 'config') throw error;
      if (flags.json) printJson({ ok: false, error: error.message, field: error.field ?? null });
      process.stderr.write(`aidos config check: ${errorMessage(error)}\n`);
      process.exit(EXIT.config);
    }
    const rows = effectiveSettings(cfg);
    if (flags.json) return printJson({ ok: true, file: cfg.source.file ?? null, settings: rows });
    process.stdout.write(`configuration ok${cfg.source.file ? `: ${cfg.source.file}` : ' (no file)'}\n\n`);
    process.stdout.write(
      `${table(
        ['KEY', 'VALUE', 'SOURCE'],
        rows.map((r) => [r.key, show(r.key, r.value), r.source]),
      )}\n`,
    );
  });
}
