import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allProcesses, isRunning } from '../../daemon/agents/proc.js';
import { type FakeModelServer, fakeReply, startFakeModelServer } from '../fixtures/fake-model-server.js';
import { isAlive } from '../helpers/agents.js';
import { getTask, submit, waitForState } from '../helpers/api.js';
import { cleanupDaemons, type DaemonProcess, startDaemon } from '../helpers/daemon-process.js';
import { ensureOpenclaw, fakeModelConfig, OPENCLAW_VERSION } from '../helpers/openclaw-install.js';
import { waitFor } from '../helpers/wait.js';

/** Live processes (zombies excluded) in the process group `pgid`. */
function groupMembers(pgid: number): number[] {
  return allProcesses()
    .filter((p) => p.pgrp === pgid && isRunning(p))
    .map((p) => p.pid);
}

/** Unsets VITEST* and NODE_ENV, which vitest sets and OpenClaw reacts to. */
function withoutTestRunnerEnv(): Record<string, undefined> {
  const keys = Object.keys(process.env).filter((k) => k.startsWith('VITEST') || k === 'NODE_ENV');
  return Object.fromEntries(keys.map((k) => [k, undefined]));
}

// The real CLI, one process per task, against a model server on loopback: ~15 s and ~1 GB per turn.
describe(`the real OpenClaw ${OPENCLAW_VERSION} as the default profile`, () => {
  let dir: string;
  let model: FakeModelServer;
  let daemon: DaemonProcess;

  beforeAll(async () => {
    const openclaw = await ensureOpenclaw();
    dir = await mkdtemp(join(tmpdir(), 'aidos-openclaw-'));
    model = await startFakeModelServer();
    const state = join(dir, 'openclaw-state');
    await mkdir(state, { recursive: true });
    await mkdir(join(dir, 'home'));
    await mkdir(join(dir, 'tmp'));
    await writeFile(join(state, 'openclaw.json'), JSON.stringify(fakeModelConfig(model.baseUrl)));
    daemon = await startDaemon({
      args: [
        '--set',
        `agents.openclaw_command=${openclaw.node} ${openclaw.entry}`,
        '--set',
        'agents.slots=1',
      ],
      // The daemon passes its environment on to agents: OpenClaw's state, a writable HOME, and a
      // temp dir of our own for the log file every OpenClaw instance writes there.
      // Without vitest's own variables: OpenClaw checks VITEST and then prints nothing on stdout.
      env: {
        ...withoutTestRunnerEnv(),
        OPENCLAW_STATE_DIR: state,
        HOME: join(dir, 'home'),
        TMPDIR: join(dir, 'tmp'),
      },
    });
  }, 12 * 60_000);

  afterAll(async () => {
    await cleanupDaemons();
    await model?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('runs a task through `openclaw agent exec --json` and keeps its parsed envelope', async () => {
    const task = await submit(daemon.url, { message: 'say hello to the SRE team echo:sre-42' });
    expect(task.profile).toBe('openclaw');
    const { task: done, events } = await waitForState(daemon.url, task.id, undefined, 180_000);
    expect(done.error ?? null).toBeNull();
    expect(done.state).toBe('succeeded');
    expect(done.result).toMatchObject({
      ok: true,
      status: 'ok',
      final: fakeReply('echo:sre-42'),
      usage: { input: 100, output: 7, total: 107 },
      cost: 0,
      model: 'fake-model',
      provider: 'fake',
      assistantTurns: 1,
    });
    expect(model.requests()).toBeGreaterThanOrEqual(1);
    expect(events.map((e) => e.kind)).toEqual(['submitted', 'claimed', 'started', 'succeeded']);
  }, 200_000);

  it('stops OpenClaw at the task timeout, with everything it started', async () => {
    const task = await submit(daemon.url, { message: 'model:hang', timeout_s: 5, max_attempts: 1 });
    const started = await waitFor(
      async () => (await getTask(daemon.url, task.id)).events.find((e) => e.kind === 'started'),
      60_000,
      'the agent to start',
    );
    const pid = Number(started.detail.pid);
    const { task: done } = await waitForState(daemon.url, task.id, undefined, 60_000);
    expect(done.state).toBe('dead');
    expect(done.error).toMatch(/timed out after 5000 ms/);
    await waitFor(
      () => !isAlive(pid) && groupMembers(pid).length === 0,
      15_000,
      'the OpenClaw group to be gone',
    );
  }, 120_000);
});
