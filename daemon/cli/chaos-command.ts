import { type Command, InvalidArgumentError } from 'commander';
import { AidosClient } from '../../shared/client/client.js';
import { ClientError } from '../../shared/client/errors.js';
import { plural } from '../../shared/plural.js';
import { addClientFlags, type ClientFlagValues, clientOptions, durationArg } from './client-flags.js';
import { formatTime } from './format.js';
import { examples } from './help.js';
import { printJson, table } from './output.js';
import { UsageError } from './usage.js';

/** Exit codes of `aidos chaos …`: 1 the drill did not pass, 2 the daemon refused, 3 unreachable. */
export const CHAOS_EXIT = { notPassed: 1, rejected: 2, unreachable: 3 } as const;

function run<A extends unknown[]>(action: (...args: A) => Promise<void>) {
  return async (...args: A) => {
    try {
      await action(...args);
    } catch (error) {
      if (!(error instanceof ClientError)) throw error;
      process.stderr.write(`aidos: ${error.message}\n`);
      process.exit(error.status >= 400 && error.status < 500 ? CHAOS_EXIT.rejected : CHAOS_EXIT.unreachable);
    }
  };
}

/** `key=value` pairs into a fault spec: dotted keys nest (target.pid=42), JSON values are parsed (2, true, "x"). */
export function faultFromArgs(kind: string, pairs: string[]): Record<string, unknown> {
  const fault: Record<string, unknown> = { kind };
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0)
      throw new InvalidArgumentError(
        `"${pair}": fault parameters are key=value (e.g. workers=2, target.pid=42)`,
      );
    const keys = pair.slice(0, eq).split('.');
    const raw = pair.slice(eq + 1);
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      // Not JSON: a plain string such as SIGTERM or latency.
    }
    let node = fault;
    for (const key of keys.slice(0, -1)) {
      if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
      node = node[key] as Record<string, unknown>;
    }
    node[keys.at(-1) as string] = value;
  }
  return fault;
}

const time = (ms: number | null | undefined) => (ms ? formatTime(ms) : null);

const CHAOS_EXAMPLES: Record<string, string[]> = {
  list: ['aidos chaos list', 'aidos chaos list --json'],
  run: ['aidos chaos run agent-crash-loop --dry-run', 'aidos chaos run slow-store --wait --json'],
  inject: [
    'aidos chaos inject cpu-stress workers=2 --duration 30s',
    'aidos chaos inject disk-fill mb=200 --duration 1m --dry-run',
  ],
  status: ['aidos chaos status', 'aidos chaos status --json'],
  abort: ['aidos chaos abort'],
  report: ['aidos chaos report c_01jabc --markdown'],
};

export function registerChaosCommand(program: Command): void {
  const chaos = program
    .command('chaos')
    .description('fault injection and drills on a running daemon (chaos.enabled)');

  addClientFlags(chaos.command('list').description('the scenario library and past drills')).action(
    run(async (flags: ClientFlagValues) => {
      const r = await new AidosClient(clientOptions(flags)).call('chaos.list', {});
      if (flags.json) return printJson(r);
      process.stdout.write(`chaos ${r.enabled ? 'ENABLED' : 'disabled'} on this node\n\n`);
      process.stdout.write(
        `${table(
          ['SCENARIO', 'REQUIRES', 'FAULTS'],
          r.scenarios.map((s) => [s.name, s.requires.join(',') || '-', s.faults.join(',')]),
        )}\n`,
      );
      if (r.runs.length)
        process.stdout.write(
          `\n${table(
            ['RUN', 'SCENARIO', 'VERDICT', 'SCORE', 'STARTED'],
            r.runs.map((x) => [x.run_id, x.scenario, x.verdict, x.resilience_score, time(x.started_at)]),
          )}\n`,
        );
    }),
  );

  addClientFlags(
    chaos
      .command('run <scenario>')
      .description(
        'start a drill of a library scenario; --wait prints the report and exits 0 only if it passed',
      )
      .option('--dry-run', 'plan only: inject nothing')
      .option(
        '--set <path=value>',
        'replace a field of the scenario for this run (repeatable), e.g. steps.0.duration=2s load.tasks=3',
        (v: string, all: string[] = []) => [...all, v],
      )
      .option('--wait', 'wait for the report')
      .option('--markdown', 'with --wait: print the Markdown report')
      .option(
        '--wait-timeout <duration>',
        'give up waiting after this long (e.g. 10m)',
        durationArg('--wait-timeout'),
        3_600_000,
      ),
  ).action(
    run(
      async (
        scenario: string,
        flags: ClientFlagValues & {
          dryRun?: boolean;
          set?: string[];
          wait?: boolean;
          markdown?: boolean;
          waitTimeout: number;
        },
      ) => {
        const client = new AidosClient(clientOptions(flags));
        const { run: started } = await client.call('chaos.run', {
          scenario,
          ...(flags.dryRun ? { dry_run: true } : {}),
          ...(flags.set ? { set: parseSets(flags.set) } : {}),
        });
        if (!flags.wait) {
          if (flags.json) printJson(started);
          else process.stdout.write(`${started.run_id}\n`);
          return;
        }
        const deadline = Date.now() + flags.waitTimeout;
        for (;;) {
          const r = await client.call('chaos.report', { id: started.run_id });
          if (r.report.verdict !== 'running') {
            if (flags.json) printJson(r.report);
            else
              process.stdout.write(
                flags.markdown
                  ? r.markdown
                  : `${started.run_id} ${scenario}: ${r.report.verdict} (score ${String(r.report.resilience_score)})\n`,
              );
            if (r.report.verdict !== 'passed' && r.report.verdict !== 'dry_run')
              process.exitCode = CHAOS_EXIT.notPassed;
            return;
          }
          if (Date.now() > deadline) {
            process.stderr.write(
              `aidos: drill ${started.run_id} still running after ${flags.waitTimeout} s\n`,
            );
            process.exitCode = CHAOS_EXIT.notPassed;
            return;
          }
          await new Promise((r) => setTimeout(r, 500));
        }
      },
    ),
  );

  addClientFlags(
    chaos
      .command('inject <fault> [params...]')
      .description('inject one fault on the daemon, e.g. `inject cpu-stress workers=2 --duration 30s`')
      .requiredOption(
        '--duration <duration>',
        'how long it stays in force (the daemon reverts it on its own)',
        durationArg('--duration'),
      )
      .option('--dry-run', 'validate only'),
  ).action(
    run(
      async (
        kind: string,
        params: string[],
        flags: ClientFlagValues & { duration: number; dryRun?: boolean },
      ) => {
        const fault = faultFromArgs(kind, params);
        const r = await new AidosClient(clientOptions(flags)).call('chaos.inject', {
          fault: fault as never,
          duration_ms: flags.duration,
          ...(flags.dryRun ? { dry_run: true } : {}),
        });
        if (flags.json) return printJson(r);
        process.stdout.write(
          r.fault
            ? `${r.fault.id} ${r.fault.kind} on ${r.fault.target} until ${time(r.fault.deadline_at)}\n`
            : 'dry run: the fault is valid here\n',
        );
      },
    ),
  );

  addClientFlags(
    chaos.command('status').description('faults in force (with time left) and the running drill'),
  ).action(
    run(async (flags: ClientFlagValues) => {
      const s = await new AidosClient(clientOptions(flags)).call('chaos.status', {});
      if (flags.json) return printJson(s);
      process.stdout.write(
        `chaos ${s.enabled ? 'ENABLED' : 'disabled'} on ${s.node_id}; drill: ${s.drill ? `${s.drill.run_id} (${s.drill.scenario})` : 'none'}\n`,
      );
      if (s.active_faults.length)
        process.stdout.write(
          `${table(
            ['FAULT', 'KIND', 'TARGET', 'LEFT'],
            s.active_faults.map((f) => [f.id, f.kind, f.target, `${Math.ceil(f.time_left_ms / 1000)}s`]),
          )}\n`,
        );
    }),
  );

  addClientFlags(
    chaos.command('abort').description('revert every fault now and stop the running drill'),
  ).action(
    run(async (flags: ClientFlagValues) => {
      const r = await new AidosClient(clientOptions(flags)).call('chaos.abort', {});
      if (flags.json) return printJson(r);
      process.stdout.write(
        `reverted ${plural(r.reverted, 'fault')}${r.drill_aborted ? `, aborted ${r.drill_aborted}` : ''}\n`,
      );
    }),
  );

  addClientFlags(
    chaos
      .command('report <run>')
      .description('one drill report')
      .option('--markdown', 'print it as Markdown'),
  ).action(
    run(async (id: string, flags: ClientFlagValues & { markdown?: boolean }) => {
      const r = await new AidosClient(clientOptions(flags)).call('chaos.report', { id });
      if (flags.json) return printJson(r.report);
      process.stdout.write(flags.markdown ? r.markdown : `${id}: ${r.report.verdict}\n`);
    }),
  );
  examples(chaos, ['aidos chaos list', 'aidos chaos run slow-store --wait', 'aidos chaos abort']);
  for (const sub of chaos.commands)
    examples(sub, CHAOS_EXAMPLES[sub.name()] ?? [`aidos chaos ${sub.name()}`]);
}

/** `path=value` pairs; a value that parses as JSON is taken as such (3, true, "x"), else as text (2s). */
function parseSets(pairs: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at < 1) throw new UsageError(`--set: "${pair}" is not PATH=VALUE (e.g. steps.0.duration=2s)`);
    const text = pair.slice(at + 1);
    let value: unknown = text;
    try {
      value = JSON.parse(text);
    } catch {
      // Plain text: a duration like 2s, a name.
    }
    out[pair.slice(0, at)] = value;
  }
  return out;
}
