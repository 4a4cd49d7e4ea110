import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { type CliResult, runAidos } from '../helpers/cli.js';
import { AIDOS_BIN, cleanupDaemons, type DaemonProcess, startDaemon } from '../helpers/daemon-process.js';
import { writeStandinConfig } from '../helpers/standin-config.js';
import { waitFor } from '../helpers/wait.js';

const firstLine = (r: CliResult) => (r.stderr || r.stdout).split('\n')[0];
const TIME = '\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d [+-]\\d\\d:\\d\\d';

/** A long-running `aidos …` whose output is read while it runs; stopped with SIGINT. */
function startAidos(args: string[], env: Record<string, string>) {
  const child: ChildProcess = spawn(process.execPath, [AIDOS_BIN, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    output: () => out,
    stop: async () => {
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

describe('operator commands against a real daemon', { timeout: 90_000 }, () => {
  let dir: string;
  let daemon: DaemonProcess;
  let env: Record<string, string>;
  let flag: string;
  let alerts: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'aidos-ops-cli-'));
    flag = join(dir, 'break-now');
    alerts = join(dir, 'alerts.jsonl');
    const script = (name: string, code: string) => {
      const file = join(dir, name);
      writeFileSync(file, code);
      return file;
    };
    const ticker = script(
      'ticker.cjs',
      "console.log('svc hello'); let n = 0; setInterval(() => console.log('tick ' + ++n), 200);",
    );
    const breakable = script(
      'breakable.cjs',
      "const fs = require('fs'); const f = process.argv[2]; if (fs.existsSync(f)) process.exit(3); setInterval(() => { if (fs.existsSync(f)) process.exit(3); }, 50);",
    );
    const crasher = script(
      'crasher.cjs',
      "console.error('starting up'); throw new Error('boom from agent');",
    );
    const alert = script(
      'alert.cjs',
      "const fs = require('fs'); fs.appendFileSync(process.argv[2], fs.readFileSync(0, 'utf8'));",
    );
    const path = writeStandinConfig(dir);
    const config = YAML.parse(readFileSync(path, 'utf8'));
    config.agents.profiles.crasher = { command: process.execPath, args: [crasher], timeout: '30s' };
    config.agents.services = {
      ticker: { command: process.execPath, args: [ticker] },
      breakable: { command: process.execPath, args: [breakable, flag] },
    };
    config.health = {
      fresh_min_interval: '0s',
      alert: { command: [process.execPath, alert, alerts] },
      checks: { 'system:cpu-load': { enabled: false } },
    };
    writeFileSync(path, YAML.stringify(config));
    daemon = await startDaemon({ args: ['--config', path] });
    env = { AIDOS_URL: daemon.url };
  });
  afterAll(async () => {
    await cleanupDaemons();
    await rm(dir, { recursive: true, force: true });
  });

  it('aidos status shows the daemon, its store and readiness, and each service with pid, uptime, CPU and RSS', async () => {
    await waitFor(
      async () =>
        JSON.parse((await runAidos(['status', '--json'], env)).stdout).processes.every(
          (p: { pid: number | null }) => p.pid,
        ),
      10_000,
      'both services up',
    );
    const r = await runAidos(['status'], env);
    expect(r.code).toBe(0);
    expect(firstLine(r)).toMatch(
      new RegExp(
        `^${daemon.child.pid ? `n${daemon.port}` : ''} 0\\.1\\.0: running, up \\S+, store sqlite ready, readiness (PASS|WARN), 4/4 slots free$`,
      ),
    );
    expect(r.stdout).toMatch(/^KIND +NAME +TASK +STATE +PID +UPTIME +CPU +RSS +RESTARTS$/m);
    expect(r.stdout).toMatch(/^service +ticker +- +running +\d+ +\S+ +\d+\.\d% +[\d.]+ MiB +0$/m);
    // The health table reads as the status one does: durations and sizes for people, plurals right.
    const deep = await runAidos(['health', '--deep', '--fresh'], env);
    expect(deep.stdout).toMatch(/^PASS +agents:services-down +- +0 +2 services up$/m);
    expect(deep.stdout).toMatch(/^\w+ +process:rss +- +[\d.]+ MiB /m);
    expect(deep.stdout).toMatch(/^\w+ +process:eventloop-lag +- +[\d.]+(ms|s) /m);
    const raw = JSON.parse((await runAidos(['health', '--deep', '--json'], env)).stdout);
    expect(raw.checks['process:rss'][0]).toMatchObject({
      observedUnit: 'bytes',
      observedValue: expect.any(Number),
    });
  });

  it('aidos logs prints a merged timestamped tail, --service one service, and -f follows it', async () => {
    const all = await runAidos(['logs'], env);
    expect(all.code).toBe(0);
    expect(all.stdout).toMatch(new RegExp(`^${TIME} service:ticker out\\| svc hello$`, 'm'));
    const one = await runAidos(['logs', '--service', 'ticker', '--tail', '1'], env);
    expect(firstLine(one)).toMatch(new RegExp(`^${TIME} service:ticker out\\| tick \\d+$`));
    // Nothing to show yet is said, not left as an empty screen.
    const later = (await runAidos(['task', 'submit', '-m', 'x', '--run-after', '+1h'], env)).stdout.trim();
    const quiet = await runAidos(['logs', '--task', later], env);
    expect([quiet.code, quiet.stdout, firstLine(quiet)]).toEqual([
      0,
      '',
      `(task ${later} has no output yet)`,
    ]);
    await runAidos(['task', 'cancel', later], env);
    const missing = await runAidos(['logs', '--service', 'nope'], env);
    expect([missing.code, firstLine(missing)]).toEqual([
      2,
      'aidos: service: no service named "nope" on this node',
    ]);
    const follow = startAidos(['logs', '-f', '--service', 'ticker', '--tail', '1'], env);
    const ticks = () => new Set(follow.output().match(/tick \d+/g) ?? []).size;
    await waitFor(() => ticks() >= 3, 15_000, 'three ticks followed');
    expect(await follow.stop()).toBe(0);
    const lines = follow.output().trim().split('\n');
    expect(new Set(lines).size).toBe(lines.length);
  });

  it('task list --watch redraws when a task changes', async () => {
    const watch = startAidos(['task', 'list', '--watch', '--limit', '5'], env);
    await waitFor(() => watch.output().includes('ID '), 10_000, 'the first list');
    const id = (await runAidos(['task', 'submit', '-m', 'sleep:10 watched'], env)).stdout.trim();
    await waitFor(
      () => new RegExp(`${id} +succeeded`).test(watch.output()),
      15_000,
      'the watched task to succeed',
    );
    expect(await watch.stop()).toBe(0);
  });

  it('task show after a retry: labels, run after, per-attempt outcomes, no stale error, local time or --utc', async () => {
    const sub = await runAidos(
      [
        'task',
        'submit',
        '-m',
        // Long enough for the sampler's first tick (100 ms), so each attempt has a peak RSS.
        'fail-until:2 sleep:400',
        '--label',
        'team=ops',
        '--max-attempts',
        '3',
        '--run-after',
        '+1s',
      ],
      env,
    );
    const id = sub.stdout.trim();
    const shown = await runAidos(['task', 'show', id, '--wait', '--wait-timeout', '60s'], env);
    expect([shown.code, firstLine(shown)]).toEqual([0, `id:        ${id}`]);
    expect(shown.stdout).toMatch(/^state: +succeeded$/m);
    expect(shown.stdout).toMatch(/^attempt: +2 of 3 attempts$/m);
    expect(shown.stdout).toMatch(/^labels: +team=ops$/m);
    expect(shown.stdout).toMatch(new RegExp(`^run after: +${TIME}$`, 'm'));
    expect(shown.stdout).not.toMatch(/^error:/m);
    expect(shown.stdout).toMatch(/^ATTEMPT +ENDED +OUTCOME +RAN +PEAK RSS +NODE +ERROR$/m);
    expect(shown.stdout).toMatch(/^1 +\S+ \S+ \S+ +failed → retry in \S+ +\S+ +[\d.]+ MiB +n\d+ +.+$/m);
    expect(shown.stdout).toMatch(/^2 +\S+ \S+ \S+ +succeeded +\S+ +[\d.]+ MiB +n\d+ +-$/m);
    const utc = await runAidos(['task', 'show', id, '--utc'], env);
    expect(utc.stdout).toMatch(/^created: +\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/m);
    const json = JSON.parse((await runAidos(['task', 'show', id, '--json'], env)).stdout);
    expect(json.task.error).toBeNull();
    expect(typeof json.events[0].at).toBe('number');
    const cancelled = (await runAidos(['task', 'submit', '-m', 'hang'], env)).stdout.trim();
    await runAidos(['task', 'cancel', cancelled, '--reason', 'wrong prompt'], env);
    const c = await runAidos(['task', 'show', cancelled, '--wait'], env);
    expect(c.stdout).toMatch(/^cancelled: +.*wrong prompt$/m);
  });

  it('exit codes: 4 when --wait-timeout expires, 64 for a missing --message-file, stdin with -', async () => {
    const slow = await runAidos(['task', 'submit', '-m', 'hang', '--wait', '--wait-timeout', '300ms'], env);
    expect(slow.code).toBe(4);
    expect(firstLine(slow)).toMatch(
      /^aidos: task t_\w+ still not finished after 300ms \(--wait-timeout\); it keeps running$/,
    );
    const missing = await runAidos(['task', 'submit', '--message-file', join(dir, 'nope.txt')], env);
    expect([missing.code, firstLine(missing)]).toEqual([
      64,
      `error: --message-file: cannot read ${join(dir, 'nope.txt')} (no such file)`,
    ]);
    const piped = await runAidos(
      ['task', 'submit', '--message-file', '-', '--json', '--timeout', '1m'],
      env,
      30_000,
      'sleep:5 from stdin',
    );
    expect(piped.code).toBe(0);
    expect(JSON.parse(piped.stdout)).toMatchObject({ message: 'sleep:5 from stdin', timeout_ms: 60_000 });
  });

  it('the API takes timeout_s in seconds or as a duration with a unit, naming the field otherwise', async () => {
    const submit = (timeout_s: unknown) =>
      fetch(`${daemon.url}/api/v1/tasks`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ message: 'sleep:5', timeout_s }),
      }).then(async (r) => [r.status, (await r.json()) as { task: { timeout_ms: number } }] as const);
    expect((await submit('10m'))[1].task.timeout_ms).toBe(600_000);
    expect((await submit(90))[1].task.timeout_ms).toBe(90_000);
    expect((await submit('90'))[1].task.timeout_ms).toBe(90_000);
    expect(await submit('10 minutes')).toEqual([
      400,
      {
        error: {
          code: 'bad_request',
          message: 'timeout_s: "10 minutes" is not a duration (use e.g. 500ms, 30s, 10m, 2h, 7d)',
          field: 'timeout_s',
        },
      },
    ]);
  });

  it("summarises a crashed agent by its stderr's Error line, not Node's version footer", async () => {
    const r = await runAidos(
      ['task', 'submit', '-p', 'crasher', '-m', 'x', '--max-attempts', '1', '--wait', '--json'],
      env,
    );
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).error).toMatch(/^agent failed \(exit 1\): Error: boom from agent/);
    expect(JSON.parse(r.stdout).error).toMatch(/\(gave up after 1 attempt\)$/);
  });

  it('logs each agent start once, with task_id and agent_pid and no key twice', async () => {
    const id = JSON.parse(
      (await runAidos(['task', 'submit', '-m', 'sleep:5', '--wait', '--json'], env)).stdout,
    ).id;
    const started = daemon.logs().filter((l) => l.msg === 'agent started' && l.task_id === id);
    expect(started).toHaveLength(1);
    expect(started[0]).toMatchObject({ task_id: id, agent_pid: expect.any(Number), pid: daemon.child.pid });
    expect(daemon.logs().some((l) => 'taskId' in l || 'task' in l)).toBe(false);
    // The store came up once: one line, not "not ready" first.
    expect(
      daemon
        .logs()
        .filter((l) => String(l.msg).startsWith('store '))
        .map((l) => l.msg),
    ).toEqual(['store ready']);
    // A key twice in one line would be lost by jq and Loki; JSON.parse keeps the last, so count raw keys.
    for (const line of daemon
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))) {
      const keys = [...line.matchAll(/[{,]"([a-z_A-Z]+)":/g)].map((m) => m[1]);
      expect(keys.length - new Set(keys).size).toBe(0);
    }
  });

  it('sends no alert at start-up, and one when a check really changes', async () => {
    // A change needs a state to change from: the check's first result after start is never an
    // alert, so wait until it has recorded both services up before breaking one.
    await waitFor(
      async () => {
        const res = await fetch(`${daemon.url}/health/deep?fresh=1`);
        const doc = (await res.json()) as { checks?: Record<string, { status: string }[]> };
        return doc.checks?.['agents:services-down']?.[0]?.status === 'pass';
      },
      30_000,
      'services-down to pass before the break',
    );
    writeFileSync(flag, 'now');
    const sent = () =>
      readFile(alerts, 'utf8')
        .catch(() => '')
        .then((t) =>
          t
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l) as Record<string, unknown>),
        );
    await waitFor(
      async () => {
        await runAidos(['health', '--deep', '--fresh'], env);
        return (await sent()).some((a) => a.check === 'agents:services-down' && a.to === 'warn');
      },
      30_000,
      'the services-down alert',
    );
    const all = await sent();

    expect(all.filter((a) => a.from === null)).toEqual([]);
    expect(all.filter((a) => a.check === 'store:ready')).toEqual([]);
    expect(all.find((a) => a.check === 'agents:services-down')).toMatchObject({ from: 'pass', to: 'warn' });
  });
});

/** A daemon on a pseudo-terminal (`script`), as an operator's shell runs it; its output until started. */
async function daemonOnTerminal(env: Record<string, string | undefined>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'aidos-pretty-'));
  try {
    const child = spawn(
      'script',
      [
        '-qfec',
        `${process.execPath} ${AIDOS_BIN} daemon --data-dir ${dir} --listen 127.0.0.1:0`,
        '/dev/null',
      ],
      { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, AIDOS_LOG_LEVEL: 'info', ...env } },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    await waitFor(() => out.includes('aidosd started'), 20_000, 'the daemon to start on a terminal');
    child.kill('SIGTERM');
    await exited;
    return out;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('daemon log format', { timeout: 60_000 }, () => {
  it('is pretty on a terminal, in colour unless NO_COLOR (JSON lines on a pipe: every test above)', async () => {
    const out = await daemonOnTerminal({ NO_COLOR: '1' });
    const first = out.split(/\r?\n/)[0] ?? '';
    expect(first).toMatch(
      /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: migration applied \{"version":1,"migration":"initial"/,
    );
    // A start is one store event (ready), not a "not ready: not connected yet" before it.
    expect(out).not.toContain('store not ready');
    expect(out.match(/INFO: store ready/g)).toHaveLength(1);
    expect(out).not.toContain('\x1b[');
    expect(out).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: aidosd started \{"listen":"127\.0\.0\.1:\d+"/m);
    const coloured = await daemonOnTerminal({ NO_COLOR: undefined, FORCE_COLOR: undefined });
    const sgr = '\x1b\\[\\d+m'; // an ANSI colour code
    expect(coloured).toMatch(new RegExp(`${sgr}INFO${sgr}`));
    expect(coloured.replace(new RegExp(sgr, 'g'), '')).toMatch(
      /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: aidosd started /m,
    );
  });
});
