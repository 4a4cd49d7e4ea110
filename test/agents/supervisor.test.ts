import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Clock, systemClock } from '../../daemon/agents/clock.js';
import { AgentSupervisor, type RunSpec } from '../../daemon/agents/index.js';
import { isAlive, killQuietly, standinProfile, tempDir } from '../helpers/agents.js';
import { waitFor } from '../helpers/wait.js';

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function setup(
  options: { killGraceMs?: number; sampleIntervalMs?: number; envelopeGraceMs?: number; clock?: Clock } = {},
) {
  const tmp = tempDir();
  const supervisor = new AgentSupervisor({
    ...(options.clock ? { clock: options.clock } : {}),
    journalDir: join(tmp.dir, 'journal'),
    killGraceMs: options.killGraceMs ?? 300,
    envelopeGraceMs: options.envelopeGraceMs ?? 10_000,
    sampleIntervalMs: options.sampleIntervalMs ?? 50,
  });
  cleanups.push(tmp.cleanup, () => supervisor.stopAll('test cleanup'));
  const spec = (message: string, extra: Partial<RunSpec> = {}): RunSpec => ({
    taskId: `t-${Math.random().toString(36).slice(2, 8)}`,
    attempt: 1,
    fence: 3,
    message,
    profile: standinProfile(),
    workRoot: join(tmp.dir, 'work'),
    logDir: join(tmp.dir, 'logs'),
    ...extra,
  });
  return { supervisor, spec, dir: tmp.dir };
}

describe('AgentSupervisor', () => {
  it('runs an agent to success and parses its envelope', async () => {
    const { supervisor, spec, dir } = setup();
    const run = await supervisor.start(spec('hello sleep:50', { taskId: 'task-ok' }));
    expect(run.pid).toBeGreaterThan(0);
    expect(existsSync(join(dir, 'journal', 'task-ok.json'))).toBe(true);
    const out = await run.done;
    expect(out).toMatchObject({ kind: 'succeeded', exitCode: 0, retryable: false, error: undefined });
    expect(out.result).toMatchObject({
      ok: true,
      status: 'ok',
      final: 'done: hello sleep:50',
      model: 'fake-model',
    });
    expect(out.result?.usage).toEqual({ input: 120, output: 30, total: 150 });
    expect(out.result?.cost).toBe(0.0015);
    expect(out.durationMs).toBeGreaterThanOrEqual(50);
    expect(existsSync(join(dir, 'journal', 'task-ok.json'))).toBe(false);
    expect(readFileSync(run.logFile, 'utf8')).toContain('"status": "ok"');
    expect(supervisor.runs()).toHaveLength(0);
  });

  it('stops an agent that printed a complete envelope and lingers, keeping its result', async () => {
    const { supervisor, spec } = setup({ envelopeGraceMs: 300 });
    const run = await supervisor.start(spec('hello linger'));
    const out = await run.done;
    expect(out).toMatchObject({ kind: 'succeeded', signal: 'SIGTERM', retryable: false });
    expect(out.result).toMatchObject({ ok: true, final: 'done: hello linger' });
    expect(isAlive(run.pid)).toBe(false);
  });

  it('arms no envelope grace for output drained after the agent exited (its pid may be reused)', async () => {
    // The wall clock, with the timers not yet fired or cleared in view.
    const pending = new Set<unknown>();
    const clock: Clock = {
      now: systemClock.now,
      setTimer: (fn, ms) => {
        const handle = systemClock.setTimer(() => {
          pending.delete(handle);
          fn();
        }, ms);
        pending.add(handle);
        return handle;
      },
      clearTimer: (handle) => {
        pending.delete(handle);
        systemClock.clearTimer(handle);
      },
    };
    const { supervisor, spec } = setup({ clock });
    // The agent exits once a process of its own session, out of its group and tree, is in place
    // (it opens the FIFO only after setsid: exiting earlier would let the run's clean-up of the
    // group catch it); that process writes the envelope to the inherited stdout afterwards, while
    // the run is draining its pipes.
    const envelope = resolve('test/fixtures/openclaw-envelopes/ok.json');
    const fifoDir = tempDir('aidos-late-');
    cleanups.push(fifoDir.cleanup);
    const fifo = join(fifoDir.dir, 'ready');
    const profile = standinProfile({
      command: '/bin/sh',
      args: [
        '-c',
        `/usr/bin/mkfifo "${fifo}"; /usr/bin/setsid /bin/sh -c 'exec 3>"${fifo}"; exec 3>&-; /bin/sleep 0.3; /bin/cat "${envelope}"' & read _ < "${fifo}"; exit 0`,
      ],
    });
    const run = await supervisor.start(spec('late', { profile }));
    const out = await run.done;
    expect(out).toMatchObject({ kind: 'succeeded', exitCode: 0 });
    expect(pending.size).toBe(0);
  });

  it('writes the retries-off settings into the workdir when the profile asks', async () => {
    const { supervisor, spec } = setup();
    const run = await supervisor.start(
      spec('hello', { profile: standinProfile({ providerRetries: false }) }),
    );
    await run.done;
    expect(JSON.parse(readFileSync(join(run.workdir, '.openclaw', 'settings.json'), 'utf8'))).toEqual({
      retry: { provider: { maxRetries: 0 } },
    });
  });

  it('passes placeholders and env to the agent', async () => {
    const { supervisor, spec } = setup();
    const profile = standinProfile({ env: { STANDIN_TASK: 'task={task_id} attempt={attempt}' } });
    const out = await (await supervisor.start(spec('echo-env', { taskId: 'envy', attempt: 4, profile })))
      .done;
    const final = JSON.parse(out.result?.final ?? '{}');
    expect(final.attempt).toBe(4);
    expect(final.env).toMatchObject({
      AIDOS_TASK_ID: 'envy',
      AIDOS_ATTEMPT: '4',
      AIDOS_FENCE: '3',
      STANDIN_TASK: 'task=envy attempt=4',
    });
    expect(final.cwd).toMatch(/envy\/attempt-4\/work$/);
    expect(final.env.TMPDIR).toMatch(/envy\/attempt-4\/tmp$/);
  });

  it('reports a failing agent with its error and honours fail-until by attempt', async () => {
    const { supervisor, spec } = setup();
    const failed = await (await supervisor.start(spec('fail'))).done;
    expect(failed).toMatchObject({ kind: 'failed', exitCode: 1, retryable: true });
    expect(failed.error).toBe('exception: stand-in failure on attempt 1');
    expect(failed.result?.ok).toBe(false);
    const early = await (await supervisor.start(spec('fail-until:3', { attempt: 2 }))).done;
    const late = await (await supervisor.start(spec('fail-until:3', { attempt: 3 }))).done;
    expect([early.kind, late.kind]).toEqual(['failed', 'succeeded']);
  });

  it('times out with SIGTERM to the group', async () => {
    const { supervisor, spec } = setup();
    const out = await (await supervisor.start(spec('hang', { timeoutMs: 300 }))).done;
    expect(out).toMatchObject({ kind: 'timeout', signal: 'SIGTERM', retryable: true });
    expect(out.error).toContain('timed out after 300 ms');
  });

  it('escalates to SIGKILL when the agent ignores SIGTERM, and kills its children too', async () => {
    const { supervisor, spec } = setup({ killGraceMs: 300 });
    const run = await supervisor.start(spec('ignore-sigterm spawn-child hang'));
    // The stand-in prints the child's pid only after it has started ignoring SIGTERM, so the
    // stop below meets an agent that really ignores it (a timeout could fire before that).
    const childLine = await waitFor(
      () => run.recentLines().find((l) => l.text.startsWith('child-pid:')),
      10_000,
      'child pid line',
    );
    const childPid = Number(childLine.text.slice('child-pid:'.length));
    cleanups.push(() => killQuietly(childPid));
    expect(isAlive(childPid)).toBe(true);
    const stoppedAt = Date.now();
    run.cancel('operator asked');
    const out = await run.done;
    expect(out).toMatchObject({ kind: 'cancelled', signal: 'SIGKILL' });
    expect(Date.now() - stoppedAt).toBeGreaterThanOrEqual(300);
    await waitFor(() => !isAlive(childPid), 3_000, 'grandchild to die');
  });

  it('honours the agent’s own --timeout (exit 2, status timeout)', async () => {
    const { supervisor, spec } = setup();
    const profile = standinProfile();
    profile.args = [...profile.args, '--timeout', '1'];
    const out = await (await supervisor.start(spec('hang', { profile, timeoutMs: 10_000 }))).done;
    expect(out).toMatchObject({ kind: 'timeout', exitCode: 2, signal: undefined });
    expect(out.result?.status).toBe('timeout');
  });

  it('fails at once, not retryable, when OpenClaw rejects an option of the profile', async () => {
    const { supervisor, spec } = setup();
    const profile = standinProfile();
    profile.args = [...profile.args, '--no-such-option'];
    const out = await (await supervisor.start(spec('hello', { profile }))).done;
    expect(out).toMatchObject({ kind: 'failed', exitCode: 1, retryable: false });
    expect(out.error).toBe(
      'cli_error: OpenClaw does not recognize option "--no-such-option".\nTry: openclaw agent exec --help',
    );
  });

  it('cancels a run, and streams live lines to subscribers', async () => {
    const { supervisor, spec } = setup();
    const run = await supervisor.start(spec('hang', { taskId: 'cancel-me' }));
    await expect(supervisor.start(spec('hang', { taskId: 'cancel-me' }))).rejects.toMatchObject({
      kind: 'conflict',
    });
    const seen: string[] = [];
    const unsubscribe = run.subscribe((line) => seen.push(`${line.stream}:${line.text}`));
    await waitFor(() => run.recentLines().some((l) => l.text === 'hanging'), 5_000, 'hanging line');
    run.cancel('operator asked');
    const out = await run.done;
    unsubscribe();
    expect(out).toMatchObject({ kind: 'cancelled', retryable: false, error: 'cancelled: operator asked' });
    expect(isAlive(run.pid)).toBe(false);
    // The line may arrive before or after subscribe; the ring buffer has it either way.
    expect(run.recentLines().map((l) => `${l.stream}:${l.text}`)).toContain('stderr:hanging');
    expect(seen.every((s) => s.startsWith('std'))).toBe(true);
  });

  it('classifies a crash, bad JSON and no output', async () => {
    const { supervisor, spec } = setup();
    const [crash, bad, none] = await Promise.all(
      ['crash', 'badjson', 'noout'].map(async (m) => (await supervisor.start(spec(m))).done),
    );
    expect(crash).toMatchObject({ kind: 'crashed', signal: 'SIGSEGV', retryable: true });
    expect(bad).toMatchObject({ kind: 'bad_output', exitCode: 0 });
    expect(bad?.error).toContain('stdout is not JSON');
    expect(none).toMatchObject({
      kind: 'bad_output',
      exitCode: 0,
      error: 'no output on stdout (expected a JSON envelope)',
    });
  });

  it('stops a run over its memory limit', async () => {
    const { supervisor, spec } = setup();
    const profile = standinProfile({ memoryLimitMb: 120 });
    const out = await (await supervisor.start(spec('mem:300', { profile }))).done;
    expect(out.kind).toBe('memory_limit');
    expect(out.error).toMatch(/^memory limit 120 MB exceeded \(RSS \d+ MB\); stopped$/);
    expect(out.peakRssBytes).toBeGreaterThan(120 * 1024 * 1024);
    expect(out.cpuMs).toBeGreaterThan(0);
  });

  it('rejects start when the command cannot be spawned', async () => {
    const tmp = tempDir();
    cleanups.push(tmp.cleanup);
    const { execaSpawn } = await import('../../daemon/agents/index.js');
    const supervisor = new AgentSupervisor({ journalDir: join(tmp.dir, 'j'), spawn: execaSpawn });
    const profile = standinProfile({ command: '/nonexistent/openclaw' });
    await expect(
      supervisor.start({
        taskId: 'x',
        attempt: 1,
        fence: 1,
        message: 'hi',
        profile,
        workRoot: tmp.dir,
        logDir: tmp.dir,
      }),
    ).rejects.toMatchObject({ name: 'AidosError', kind: 'config', field: 'agents.profiles.standin.command' });
  });
});
