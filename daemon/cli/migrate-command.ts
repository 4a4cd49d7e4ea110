import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { plural } from '../../shared/plural.js';
import type { MigrationStatus } from '../store/migrate/runner.js';
import { migrationRunner, openStore } from '../store/open.js';
import { addConfigFlags, type ConfigFlagValues, configFromFlags } from './config-flags.js';
import { formatTime } from './format.js';
import { examples } from './help.js';
import { registerMigrateCopyCommand } from './migrate-copy-command.js';
import { printJson, table } from './output.js';

function render(rows: MigrationStatus[]): string {
  return table(
    ['VERSION', 'NAME', 'STATE', 'APPLIED', 'MS', 'CHECKSUM'],
    rows.map((r) => [
      String(r.version).padStart(4, '0'),
      r.name,
      r.state,
      formatTime(r.applied_at),
      r.duration_ms,
      r.checksum.slice(0, 12),
    ]),
  );
}

/** The path of a SQLite store whose file does not exist, else undefined. */
function missingSqliteFile(url: string): string | undefined {
  if (!url.startsWith('sqlite:')) return undefined;
  const path = url.slice('sqlite:'.length);
  return path && path !== ':memory:' && !existsSync(path) ? path : undefined;
}

/** `aidos migrate status|up|verify`. */
export function registerMigrateCommand(program: Command): void {
  const migrate = examples(
    program.command('migrate').description('inspect and apply store schema migrations'),
    ['aidos migrate status', 'aidos migrate up --db postgres://aidos@db/aidos'],
  );
  const actions: Record<
    string,
    { describe: string; run: (r: ReturnType<typeof migrationRunner>) => Promise<MigrationStatus[]> }
  > = {
    status: { describe: 'list migrations and whether each is applied', run: (r) => r.status() },
    up: {
      describe: 'apply pending migrations (safe with several daemons starting at once)',
      run: (r) => r.up(),
    },
    verify: {
      describe:
        'check applied migrations against the files (checksums, missing, order); exit 65 on a mismatch',
      run: (r) => r.verify(),
    },
  };
  for (const [name, action] of Object.entries(actions)) {
    const cmd = migrate.command(name).description(action.describe).option('--json', 'print JSON');
    examples(addConfigFlags(cmd), [
      `aidos migrate ${name}`,
      `aidos migrate ${name} --config /etc/aidos/aidosd.yaml --json`,
    ]).action(async (flags: ConfigFlagValues & { json?: boolean }) => {
      const config = configFromFlags(flags);
      const missing = name !== 'up' ? missingSqliteFile(config.store.url) : undefined;
      // Looking must not create: a database file that does not exist is read as an empty one.
      const store = openStore(
        missing ? { ...config.store, url: 'sqlite::memory:' } : config.store,
        config.node_id,
      );
      try {
        const runner = migrationRunner(store);
        const rows = await action.run(runner);
        const shown = name === 'up' ? rows : rows;
        const description = missing ? config.store.url : store.description;
        if (flags.json) printJson({ store: description, exists: !missing, migrations: shown });
        else if (name === 'up')
          process.stdout.write(
            rows.length ? `${render(rows)}\napplied ${plural(rows.length, 'migration')}\n` : 'up to date\n',
          );
        else
          process.stdout.write(
            `${render(rows)}\n${missing ? `(${missing} does not exist yet: nothing is applied)\n` : ''}`,
          );
        if (name === 'status' && rows.some((r) => r.state !== 'applied' && r.state !== 'pending'))
          process.exitCode = 65;
      } finally {
        await store.close();
      }
    });
  }
  registerMigrateCopyCommand(migrate);
}
