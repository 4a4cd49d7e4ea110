import type { Command } from 'commander';
import type { MigrationStatus } from '../store/migrate/runner.js';
import { migrationRunner, openStore } from '../store/open.js';
import { addConfigFlags, type ConfigFlagValues, configFromFlags } from './config-flags.js';
import { registerMigrateCopyCommand } from './migrate-copy-command.js';
import { printJson, table } from './output.js';

function render(rows: MigrationStatus[]): string {
  return table(
    ['VERSION', 'NAME', 'STATE', 'APPLIED', 'MS', 'CHECKSUM'],
    rows.map((r) => [
      String(r.version).padStart(4, '0'),
      r.name,
      r.state,
      r.applied_at ? new Date(r.applied_at).toISOString() : null,
      r.duration_ms,
      r.checksum.slice(0, 12),
    ]),
  );
}

/** `aidos migrate status|up|verify`. */
export function registerMigrateCommand(program: Command): void {
  const migrate = program.command('migrate').description('inspect and apply store schema migrations');
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
    addConfigFlags(cmd).action(async (flags: ConfigFlagValues & { json?: boolean }) => {
      const config = configFromFlags(flags);
      const store = openStore(config.store, config.node_id);
      try {
        const runner = migrationRunner(store);
        const rows = await action.run(runner);
        const shown = name === 'up' ? rows : rows;
        if (flags.json) printJson({ store: store.description, migrations: shown });
        else if (name === 'up')
          process.stdout.write(
            rows.length ? `${render(rows)}\napplied ${rows.length} migration(s)\n` : 'up to date\n',
          );
        else process.stdout.write(`${render(rows)}\n`);
        if (name === 'status' && rows.some((r) => r.state !== 'applied' && r.state !== 'pending'))
          process.exitCode = 65;
      } finally {
        await store.close();
      }
    });
  }
  registerMigrateCopyCommand(migrate);
}
