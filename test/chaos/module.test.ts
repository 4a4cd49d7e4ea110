import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alive } from '../helpers/chaos.js';
import { runAidos } from '../helpers/cli.js';
import { cleanupDaemons, type DaemonProcess, startDaemon } from '../helpers/daemon-process.js';
import { writeStandinConfig } from '../helpers/standin-config.js';
import { waitFor } from '../helpers/wait.js';

// Chaos installed in the daemon as a module, driven through the `aidos chaos` CLI (HTTP API).
let dir: string;
let off: DaemonProcess;
let on: DaemonProcess;

const fillFiles = async (d: DaemonProcess) =>
  (await readdir(d.dataDir)).filter((f) => f.startsWith('.aidos-chaos-fill-'));

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'aidos-chaos-mod-'));
  const config = writeStandinConfig(dir);
  [off, on] = await Promise.all([
    startDaemon({ args: ['--config', config] }),
    startDaemon({ args: ['--config', config, '--set', 'chaos.enabled=true'] }),
  ]);
}, 60_000);

afterAll(async () => {
  await cleanupDaemons();
  await rm(dir, { recursive: true, force: true });
});

describe('chaos disabled (the default)', () => {
  it('refuses every injection and drill, naming chaos.enabled, but answers status and abort', async () => {
    const inject = await runAidos([
      'chaos',
      'inject',
      'cpu-stress',
      'workers=1',
      '--duration',
      '2s',
      '--url',
      off.url,
    ]);
    expect(inject.code).toBe(2);
    expect(inject.stderr).toMatch(/chaos is disabled.*chaos\.enabled: true/);
    const drill = await runAidos(['chaos', 'run', 'cpu-saturation', '--url', off.url]);
    expect(drill.code).toBe(2);
    expect(drill.stderr).toMatch(/chaos is disabled/);
    const status = await runAidos(['chaos', 'status', '--json', '--url', off.url]);
    expect(JSON.parse(status.stdout)).toMatchObject({ enabled: false, active_faults: [], drill: null });
    expect((await runAidos(['chaos', 'abort', '--url', off.url])).code).toBe(0);
    const audit = readFileSync(join(off.dataDir, 'chaos', 'audit.log'), 'utf8');
    expect(audit).toMatch(/"action":"chaos.inject".*"outcome":"refused: chaos is disabled/);
  }, 60_000);
});

describe('chaos enabled', () => {
  it('runs a library drill: run --wait --json prints the passed report and exits 0; list and report show it', async () => {
    const r = await runAidos(
      ['chaos', 'run', 'agent-crash-loop', '--wait', '--json', '--url', on.url],
      {},
      90_000,
    );
    expect(r.stderr).toBe('');
    const report = JSON.parse(r.stdout);
    expect(r.code, report.checks ? JSON.stringify(report.checks) : r.stdout).toBe(0);
    expect(report).toMatchObject({ scenario: 'agent-crash-loop', verdict: 'passed', left_injected: [] });
    expect(report.tasks).toMatchObject({ submitted: 6, lost: 0, completed_twice: 0 });
    const list = JSON.parse((await runAidos(['chaos', 'list', '--json', '--url', on.url])).stdout);
    expect(list.scenarios.map((s: { name: string }) => s.name)).toContain('pg-unreachable');
    expect(list.runs[0]).toMatchObject({ run_id: report.run_id, verdict: 'passed' });
    const md = await runAidos(['chaos', 'report', report.run_id, '--markdown', '--url', on.url]);
    expect(md.stdout).toMatch(/agent-crash-loop — PASSED/);
    expect(md.stdout).toMatch(/^faults {3}[·#]+$/m);
  }, 120_000);

  it('refuses a second drill while one runs, and a dry run injects nothing', async () => {
    // Two at once: the store takes exactly one of them (the lease), the other is refused.
    const both = await Promise.all([
      runAidos(['chaos', 'run', 'memory-pressure', '--url', on.url]),
      runAidos(['chaos', 'run', 'agent-crash-loop', '--url', on.url]),
    ]);
    expect(both.map((r) => r.code).sort()).toEqual([0, 2]);
    const first = both.find((r) => r.code === 0) as { stdout: string };
    expect(both.find((r) => r.code === 2)?.stderr).toMatch(/already running.*one at a time/);
    const abort = await runAidos(['chaos', 'abort', '--json', '--url', on.url]);
    expect(JSON.parse(abort.stdout).drill_aborted).toBe(first.stdout.trim());
    await waitFor(
      async () =>
        JSON.parse((await runAidos(['chaos', 'status', '--json', '--url', on.url])).stdout).drill === null,
      30_000,
      'the aborted drill to end',
    );
    const dry = await runAidos([
      'chaos',
      'run',
      'disk-nearly-full',
      '--dry-run',
      '--wait',
      '--json',
      '--url',
      on.url,
    ]);
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ verdict: 'dry_run', dry_run: true });
    expect(await fillFiles(on)).toEqual([]);
  }, 60_000);

  it('refuses bad fault input naming the field, and a PostgreSQL fault on SQLite', async () => {
    const bad = await runAidos(['chaos', 'inject', 'cpu-melt', '--duration', '1s', '--url', on.url]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/fault\.kind/);
    const magnitude = await runAidos([
      'chaos',
      'inject',
      'cpu-stress',
      'workers=500',
      '--duration',
      '1s',
      '--url',
      on.url,
    ]);
    expect(magnitude.stderr).toMatch(/fault\.workers/);
    const pg = await runAidos([
      'chaos',
      'inject',
      'pg-kill-connections',
      '--duration',
      '1s',
      '--url',
      on.url,
    ]);
    expect(pg.code).toBe(2);
    expect(pg.stderr).toMatch(/does not run on PostgreSQL/);
  }, 60_000);

  it('a daemon killed with a fault journaled reverts it when it starts again', async () => {
    const victim = await startDaemon({
      args: ['--config', join(dir, 'aidos-test.yaml'), '--set', 'chaos.enabled=true'],
    });
    const r = await runAidos([
      'chaos',
      'inject',
      'disk-fill',
      'mb=4',
      'floor_mb=1',
      '--duration',
      '10m',
      '--json',
      '--url',
      victim.url,
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).fault).toMatchObject({ kind: 'disk-fill' });
    const [file] = await fillFiles(victim);
    expect(file).toBeDefined();
    const stress = JSON.parse(
      (
        await runAidos([
          'chaos',
          'inject',
          'cpu-stress',
          'workers=1',
          'share=0.1',
          '--duration',
          '10m',
          '--json',
          '--url',
          victim.url,
        ])
      ).stdout,
    );
    const status = JSON.parse((await runAidos(['chaos', 'status', '--json', '--url', victim.url])).stdout);
    expect(status.active_faults.map((f: { kind: string }) => f.kind).sort()).toEqual([
      'cpu-stress',
      'disk-fill',
    ]);
    const journal = JSON.parse(readFileSync(join(victim.dataDir, 'chaos', 'journal.json'), 'utf8'));
    const helper = journal.entries.find((e: { id: string }) => e.id === stress.fault.id).leftovers[0].pid;
    await victim.kill9();
    // The parent-death signal ends the stress helper with its daemon; the fill file stays until restart.
    await waitFor(() => !alive(helper), 10_000, 'the stress helper to die with its daemon');
    expect(existsSync(join(victim.dataDir, file as string))).toBe(true);
    const again = await startDaemon({
      dataDir: victim.dataDir,
      port: victim.port,
      args: ['--config', join(dir, 'aidos-test.yaml'), '--set', 'chaos.enabled=true'],
    });
    await waitFor(
      async () => (await fillFiles(again)).length === 0,
      10_000,
      'the journaled fill file to be removed',
    );
    expect(readFileSync(join(victim.dataDir, 'chaos', 'audit.log'), 'utf8')).toMatch(/"action":"recover"/);
    const after = JSON.parse((await runAidos(['chaos', 'status', '--json', '--url', again.url])).stdout);
    expect(after.active_faults).toEqual([]);
  }, 60_000);
});

describe('audit log', () => {
  it('records which configured token called (never the secret) and the client address', async () => {
    const tokens = ['first-token-0123456789abcdef', 'second-token-0123456789abcdef'];
    const sub = await mkdtemp(join(dir, 'tok-'));
    const guarded = await startDaemon({
      args: ['--config', writeStandinConfig(sub, { api: { tokens } }), '--set', 'chaos.enabled=true'],
    });
    const r = await runAidos([
      'chaos',
      'inject',
      'cpu-stress',
      'workers=1',
      '--duration',
      '1s',
      '--dry-run',
      '--token',
      tokens[1] as string,
      '--url',
      guarded.url,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const lines = readFileSync(join(guarded.dataDir, 'chaos', 'audit.log'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const inject = lines.find((l) => l.action === 'chaos.inject');
    expect(inject).toMatchObject({
      token: expect.stringMatching(/^api\.tokens\[1\] sha256:[0-9a-f]{8}$/),
      client: expect.stringMatching(/^127\.0\.0\.1:\d+$/),
    });
    expect(JSON.stringify(lines)).not.toContain(tokens[1]);
    await guarded.stop();
  }, 60_000);
});
