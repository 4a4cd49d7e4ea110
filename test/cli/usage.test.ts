import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../../daemon/cli/program.js';
import { type CliResult, runAidos } from '../helpers/cli.js';
import { AIDOS_BIN, cleanupDaemons, startDaemon } from '../helpers/daemon-process.js';
import { freePort } from '../helpers/postgres-server.js';
import { waitFor } from '../helpers/wait.js';

/** The first line a user sees (stderr when there is any, else stdout). */
const firstLine = (r: CliResult) => (r.stderr || r.stdout).split('\n')[0];
const TOKEN = 'tok-0123456789abcdef';

/** Every command path of the CLI (`task submit`, `config check`, …), from the real command tree. */
function commandPaths(): string[][] {
  const out: string[][] = [[]];
  const walk = (cmd: ReturnType<typeof buildProgram>, path: string[]) => {
    for (const c of cmd.commands) {
      out.push([...path, c.name()]);
      walk(c, [...path, c.name()]);
    }
  };
  walk(buildProgram(), []);
  return out;
}

// Each case is a real process start; on a loaded 2-core machine that is seconds apiece.
describe('aidos command line without a daemon', { timeout: 90_000 }, () => {
  let dir: string;
  // AIDOS_* from the test environment must not leak into config checks.
  const clean = { AIDOS_CONFIG: '', AIDOS_URL: '' };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'aidos-usage-'));
  });
  afterAll(async () => {
    await cleanupDaemons();
    await rm(dir, { recursive: true, force: true });
  });

  it('prints one line naming the flag for every usage error, exit 64, with suggestions', async () => {
    const cases: [string[], string][] = [
      [['task', 'submit'], 'error: --message: required (or --message-file FILE, - for stdin)'],
      [['task', 'submit', '-m', ''], 'error: --message: must not be empty'],
      [
        ['task', 'submit', '-m', 'x', '--url', 'localhost:7420'],
        `error: option '--url <url>' argument 'localhost:7420' is invalid. --url: "localhost:7420" is not an http:// URL (e.g. http://127.0.0.1:7420)`,
      ],
      [
        ['task', 'submit', '--message-file', join(dir, 'missing.txt')],
        `error: --message-file: cannot read ${join(dir, 'missing.txt')} (no such file)`,
      ],
      [
        ['task', 'list', '--state', 'bogus'],
        `error: option '--state <states>' argument 'bogus' is invalid. --state: "bogus" is not a task state (queued, running, succeeded, failed, cancelled, dead)`,
      ],
      [
        ['task', 'submit', '-m', 'x', '--run-after', 'tomorrow'],
        `error: option '--run-after <time>' argument 'tomorrow' is invalid. --run-after: "tomorrow" is not a time (use +10m, 2026-12-24, "2026-12-24 18:30" or an ISO 8601 time)`,
      ],
      [['tsk'], "error: unknown command 'tsk'"],
      [['task', 'submit', '--mesage', 'x'], "error: unknown option '--mesage'"],
    ];
    const results = new Map<string, CliResult>();
    for (const [args, line] of cases) {
      const r = await runAidos(args, { AIDOS_URL: 'http://127.0.0.1:9' });
      results.set(args.join(' '), r);
      expect({ args, code: r.code, line: firstLine(r) }).toEqual({ args, code: 64, line });
    }
    const line = (args: string, n: number) => results.get(args)?.stderr.split('\n')[n];
    expect(line('tsk', 1)).toBe('(Did you mean task?)');
    expect(line('tsk', 2)).toBe('(run "aidos --help" for usage)');
    expect(line('task submit --mesage x', 1)).toBe('(Did you mean --message?)');
    // Commander's own errors and the CLI's name the same --help: the command's.
    expect(line('task submit --mesage x', 2)).toBe('(run "aidos task submit --help" for usage)');
    expect(line('task list --state bogus', 1)).toBe('(run "aidos task list --help" for usage)');
    expect(line('task submit -m ', 1)).toBe('(run "aidos task submit --help" for usage)');
  });

  it('takes durations with units everywhere and refuses a bare number, naming the key the user set', async () => {
    const bareFlag = await runAidos(['task', 'submit', '-m', 'x', '--timeout', '60']);
    expect([bareFlag.code, firstLine(bareFlag)]).toEqual([
      64,
      `error: option '--timeout <duration>' argument '60' is invalid. --timeout: "60" has no unit; write e.g. 60s or 60ms (units: ms, s, m, h, d)`,
    ]);
    const health = await runAidos(['health', '--timeout', '60']);
    expect([health.code, firstLine(health)]).toEqual([
      64,
      `error: option '--timeout <duration>' argument '60' is invalid. --timeout: "60" has no unit; write e.g. 60s or 60ms (units: ms, s, m, h, d)`,
    ]);
    const env = await runAidos(['config', 'check', '--data-dir', dir], { ...clean, AIDOS_TASKS_LEASE: '30' });
    expect([env.code, firstLine(env)]).toEqual([
      78,
      'aidos config check: invalid config: AIDOS_TASKS_LEASE (tasks.lease): "30" has no unit; write e.g. 30s or 30ms (units: ms, s, m, h, d)',
    ]);
    const derived = await runAidos(['config', 'check', '--data-dir', dir], {
      ...clean,
      AIDOS_TASKS_LEASE: '5s',
    });
    expect([derived.code, firstLine(derived)]).toEqual([
      78,
      'aidos config check: invalid config: AIDOS_TASKS_LEASE (tasks.lease): must be longer than tasks.renew_every (10s)',
    ]);
    const file = join(dir, 'bare.yaml');
    await writeFile(file, 'agents:\n  profiles:\n    slow:\n      command: /bin/true\n      timeout: 60\n');
    const profile = await runAidos(['config', 'check', '--config', file, '--data-dir', dir], clean);
    expect([profile.code, firstLine(profile)]).toEqual([
      78,
      'aidos config check: invalid config: agents.profiles.slow.timeout: "60" has no unit; write e.g. 60s or 60ms (units: ms, s, m, h, d)',
    ]);
  });

  it('config check prints every effective value with its source and masks secrets', async () => {
    const file = join(dir, 'aidosd.yaml');
    await writeFile(
      file,
      `tasks:\n  lease: 2m\napi:\n  tokens: ["${TOKEN}"]\nstore:\n  url: postgres://aidos:hunter2@db.example/aidos\n`,
    );
    const r = await runAidos(
      [
        'config',
        'check',
        '--config',
        file,
        '--set',
        'log.level=debug',
        '--listen',
        '127.0.0.1:7999',
        '--json',
      ],
      { ...clean, AIDOS_STORE_POOL_MAX: '4' },
    );
    expect(r.code).toBe(0);
    const { settings } = JSON.parse(r.stdout) as {
      settings: { key: string; value: unknown; source: string }[];
    };
    const by = Object.fromEntries(settings.map((s) => [s.key, s]));
    expect(by['tasks.lease']).toEqual({ key: 'tasks.lease', value: 120_000, source: `file ${file}` });
    expect(by['store.pool_max']).toMatchObject({ value: 4, source: 'env AIDOS_STORE_POOL_MAX' });
    expect(by['log.level']).toMatchObject({ value: 'debug', source: 'flag --set log.level' });
    expect(by.listen).toMatchObject({ value: '127.0.0.1:7999', source: 'flag --listen' });
    expect(by['tasks.renew_every']).toMatchObject({ value: 10_000, source: 'default' });
    expect(by['api.tokens']?.value).toEqual(['****']);
    expect(by['store.url']?.value).toBe('postgres://aidos:****@db.example/aidos');
    expect(r.stdout).not.toContain(TOKEN);
    expect(r.stdout).not.toContain('hunter2');
    const text = await runAidos(['config', 'check', '--config', file], clean);
    expect(firstLine(text)).toBe(`configuration ok: ${file}`);
    // The table shows durations and sizes as written (2m, not 120000); --json above keeps them raw.
    expect(text.stdout).toMatch(new RegExp(`^tasks\\.lease +2m +file ${file}$`, 'm'));
    expect(text.stdout).toMatch(/^tasks\.retention +7d +default$/m);
    expect(text.stdout).toMatch(/^api\.max_body_bytes +5\.0 MiB +default$/m);
    expect(text.stdout).toMatch(/^api\.tokens +\["\*\*\*\*"\] +file /m);
  });

  it('prints completion scripts for bash, zsh and fish; the bash one loads and completes', async () => {
    const script = (await runAidos(['completion', 'bash'])).stdout;
    const scriptFile = join(dir, 'aidos.bash');
    await writeFile(scriptFile, script);
    const complete = (words: string) =>
      spawnSync(
        'bash',
        [
          '-c',
          `set -e; source "$1"; COMP_WORDS=(${words}); COMP_CWORD=$((\${#COMP_WORDS[@]}-1)); _aidos; echo "\${COMPREPLY[*]}"`,
          'bash',
          scriptFile,
        ],
        { encoding: 'utf8' },
      );
    const top = complete('aidos ta');
    expect([top.status, top.stderr, top.stdout.trim()]).toEqual([0, '', 'task']);
    expect(complete('aidos task su').stdout.trim()).toBe('submit');
    expect(complete('aidos task submit --message').stdout.trim()).toBe('--message --message-file');
    expect(complete("aidos config ''").stdout.trim()).toBe('check --help -h');
    const zsh = await runAidos(['completion', 'zsh']);
    expect([zsh.code, firstLine(zsh)]).toEqual([0, '#compdef aidos']);
    const fish = await runAidos(['completion', 'fish']);
    expect([fish.code, firstLine(fish)]).toEqual([
      0,
      '# aidos completion for fish: aidos completion fish | source',
    ]);
    expect(fish.stdout).toContain("complete -c aidos -n '__fish_seen_subcommand_from task");
  });

  it('shows examples in the --help of every command', async () => {
    // Every command of the real tree, rendered as --help renders it (in-process: one start each
    // would cost seconds); a few through the binary to show it is the same text.
    const rendered = (path: string[]) => {
      let cmd: Command = buildProgram();
      for (const name of path) cmd = cmd.commands.find((c) => c.name() === name) as Command;
      let text = '';
      cmd.configureOutput({ writeOut: (s) => (text += s), writeErr: (s) => (text += s) });
      cmd.outputHelp();
      return text;
    };
    const paths = commandPaths();
    expect(paths.length).toBeGreaterThan(15);
    expect(paths.filter((p) => !rendered(p).includes('\nExamples:\n  $ aidos'))).toEqual([]);
    for (const path of [[], ['task', 'submit'], ['config', 'check']]) {
      const r = await runAidos([...path, '--help']);
      expect({ path, code: r.code, out: r.stdout }).toEqual({ path, code: 0, out: rendered(path) });
    }
  });

  it('migrate status and verify never create a database file', async () => {
    const data = join(dir, 'fresh-data');
    const status = await runAidos(['migrate', 'status', '--data-dir', data], clean);
    expect(status.code).toBe(0);
    // Column widths follow the longest migration name, so only the header's words are fixed.
    expect(firstLine(status)).toMatch(/^VERSION +NAME +STATE +APPLIED +MS +CHECKSUM$/);
    expect(status.stdout).toContain(`(${join(data, 'aidos.db')} does not exist yet: nothing is applied)`);
    expect((await runAidos(['migrate', 'verify', '--data-dir', data], clean)).code).toBe(0);
    expect(existsSync(join(data, 'aidos.db'))).toBe(false);
    // Once applied, the time is local with its offset, as everywhere in the CLI.
    expect((await runAidos(['migrate', 'up', '--data-dir', data], clean)).code).toBe(0);
    const applied = await runAidos(['migrate', 'status', '--data-dir', data], clean);
    expect(applied.stdout).toMatch(
      /^0001 +initial +applied +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d +\d+(\.\d+)? +[0-9a-f]{12}$/m,
    );
  });

  it('says "permission denied" with the path when the data dir cannot be written', async () => {
    const data = join(dir, 'locked');
    await mkdir(data);
    await chmod(dir, 0o755);
    const asRoot = process.getuid?.() === 0;
    // root writes anywhere, so the daemon is run as nobody; anyone else gets a read-only folder.
    if (!asRoot) await chmod(data, 0o555);
    const argv = [AIDOS_BIN, 'daemon', '--data-dir', data, '--listen', '127.0.0.1:0'];
    const r = asRoot
      ? spawnSync(
          'setpriv',
          ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, ...argv],
          {
            encoding: 'utf8',
            env: { ...process.env, ...clean, HOME: tmpdir() },
            timeout: 20_000,
          },
        )
      : spawnSync(process.execPath, argv, {
          encoding: 'utf8',
          env: { ...process.env, ...clean },
          timeout: 20_000,
        });
    const uid = asRoot ? 65534 : process.getuid?.();
    expect([r.status, r.stderr.split('\n')[0]]).toEqual([
      78,
      `aidos: data_dir: permission denied: cannot write ${data} (running as uid ${uid})`,
    ]);
    // A folder whose file system refuses everyone, root too (sysfs never takes a new file): the
    // mode bits say yes to root, so only creating a file tells.
    const sys = await runAidos(['daemon', '--data-dir', '/sys/kernel', '--listen', '127.0.0.1:0'], clean);
    expect(sys.code).toBe(78);
    // Mounted read-only in a container, read-write but closed to new files elsewhere.
    expect(firstLine(sys)).toMatch(
      /^aidos: data_dir: permission denied: cannot write \/sys\/kernel \((running as uid \d+|read-only file system)\)$/,
    );
  });

  it('exits 5 when the daemon answers but its store is down', async () => {
    // PostgreSQL on a port nobody listens on: the daemon runs, its store link keeps retrying.
    const db = `postgres://aidos@127.0.0.1:${await freePort()}/aidos`;
    const d = await startDaemon({
      args: ['--db', db, '--set', 'store.connect_timeout=500ms'],
      waitReady: false,
    });
    await waitFor(
      async () => (await fetch(`${d.url}/health`).catch(() => undefined))?.status,
      20_000,
      'the daemon to answer',
    );
    const r = await runAidos(['task', 'list'], { AIDOS_URL: d.url });
    expect(r.code).toBe(5);
    expect(firstLine(r)).toMatch(
      /^aidos: the daemon answered but its store is down: PostgreSQL: .*ECONNREFUSED/,
    );
  });

  it('a server on --url that speaks no HTTP is unreachable (3) in words; one that is not aidos is 70', async () => {
    const garbage: Server = createServer((socket) => socket.end('garbage\r\n\r\n'));
    const other = createHttpServer((_req, res) => res.end('hello'));
    const json = createHttpServer((_req, res) => res.end('{"foo":1}'));
    const listen = async (s: Server) => {
      await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
      return `http://127.0.0.1:${(s.address() as { port: number }).port}`;
    };
    try {
      const [g, o, j] = [await listen(garbage), await listen(other), await listen(json)];
      const bad = await runAidos(['task', 'list', '--url', g]);
      expect([bad.code, firstLine(bad)]).toEqual([
        3,
        `aidos: cannot reach ${g}: Response does not match the HTTP/1.1 protocol (Expected HTTP/)`,
      ]);
      const text = await runAidos(['task', 'list', '--url', o]);
      expect(text.code).toBe(70);
      expect(firstLine(text)).toMatch(
        /^aidos: http:\/\/127\.0\.0\.1:\d+\/api\/v1\/tasks\S* answered 200 with something that is not an aidos reply \(is --url an aidos daemon\?\)$/,
      );
      // A JSON object of another shape gets as far as the table; that is a bug-class error, not "task failed".
      expect((await runAidos(['task', 'list', '--url', j])).code).toBe(70);
    } finally {
      for (const s of [garbage, other, json]) s.close();
    }
  });

  it('aidos health exits 3 with one line when the server closes the connection on connect', async () => {
    const server: Server = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const r = await runAidos(['health', '--url', `http://127.0.0.1:${port}`, '--timeout', '3s']);
      expect(r.code).toBe(3);
      expect(firstLine(r)).toMatch(
        new RegExp(`^aidos health: http://127\\.0\\.0\\.1:${port}/health: unreachable \\(.+\\)$`),
      );
    } finally {
      server.close();
    }
  });
});
