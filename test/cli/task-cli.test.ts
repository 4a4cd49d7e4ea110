import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, runAidos } from '../helpers/cli.js';
import { cleanupDaemons, type DaemonProcess, startDaemon } from '../helpers/daemon-process.js';
import { writeStandinConfig } from '../helpers/standin-config.js';

function aidos(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return runAidos(args, env);
}

describe('aidos task CLI', () => {
  let dir: string;
  let daemon: DaemonProcess;
  let env: Record<string, string>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'aidos-cli-'));
    daemon = await startDaemon({ args: ['--config', writeStandinConfig(dir)] });
    env = { AIDOS_URL: daemon.url };
  });
  afterAll(async () => {
    await cleanupDaemons();
    await rm(dir, { recursive: true, force: true });
  });

  it('submits, waits and exits 0 on success; prints only the id without --wait', async () => {
    const ok = await aidos(
      ['task', 'submit', '-m', 'sleep:10 cli', '--label', 'via=cli', '--wait', '--json'],
      env,
    );
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ state: 'succeeded', labels: { via: 'cli' } });
    const quick = await aidos(['task', 'submit', '-m', 'sleep:10'], env);
    expect(quick.stdout.trim()).toMatch(/^t_[0-9a-z]+$/);
  });

  it('exits 1 when the waited task does not succeed, and show --wait agrees', async () => {
    const failed = await aidos(['task', 'submit', '-m', 'fail', '--max-attempts', '1', '--wait'], env);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/^state: +dead$/m);
    const id = (await aidos(['task', 'submit', '-m', 'sleep:10'], env)).stdout.trim();
    const shown = await aidos(['task', 'show', id, '--wait', '--json'], env);
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.stdout).events.map((e: { kind: string }) => e.kind)).toContain('succeeded');
  });

  it('cancels, retries, lists and prints logs', async () => {
    const id = (await aidos(['task', 'submit', '-m', 'hang'], env)).stdout.trim();
    expect((await aidos(['task', 'cancel', id, '--reason', 'test'], env)).code).toBe(0);
    expect((await aidos(['task', 'show', id, '--wait'], env)).code).toBe(1);
    const retried = await aidos(['task', 'retry', id, '--json'], env);
    expect(JSON.parse(retried.stdout)).toMatchObject({ state: 'queued', attempt: 0 });
    await aidos(['task', 'cancel', id], env);
    const list = await aidos(['task', 'list', '--state', 'cancelled', '--json'], env);
    expect(JSON.parse(list.stdout).tasks.some((t: { id: string }) => t.id === id)).toBe(true);
    const out = await aidos(['task', 'submit', '-m', 'sleep:5 log me', '--wait', '--json'], env);
    const logs = await aidos(['task', 'logs', JSON.parse(out.stdout).id], env);
    expect(logs.code).toBe(0);
    expect(logs.stdout).toContain('"final": "done: sleep:5 log me"');
  });

  it("follows a running task's output with logs -f until the task ends", async () => {
    // Due in a moment, so the follower attaches while the task is still queued.
    const runAfter = new Date(Date.now() + 1500).toISOString();
    const id = (
      await aidos(['task', 'submit', '-m', 'sleep:300 followed', '--run-after', runAfter], env)
    ).stdout.trim();
    const followed = await aidos(['task', 'logs', id, '-f'], env);
    expect(followed.code).toBe(0);
    expect(followed.stdout).toContain('done: sleep:300 followed');
  });

  it('rejects bad arguments with exit 64 and bad requests with exit 2, naming the problem', async () => {
    const badArg = await aidos(['task', 'submit', '-m', 'x', '--priority', 'high'], env);
    expect(badArg.code).toBe(64);
    expect(badArg.stderr).toContain('--priority');
    const badProfile = await aidos(['task', 'submit', '-m', 'x', '--profile', 'nope'], env);
    expect(badProfile.code).toBe(2);
    expect(badProfile.stderr).toContain('profile');
    const missing = await aidos(['task', 'show', 't_missing'], env);
    expect(missing.code).toBe(2);
  });

  it('exits 3 when the daemon is unreachable', async () => {
    const res = await aidos(['task', 'list', '--url', 'http://127.0.0.1:9'], {});
    expect(res.code).toBe(3);
    expect(res.stderr).toContain('cannot reach');
  });
});
