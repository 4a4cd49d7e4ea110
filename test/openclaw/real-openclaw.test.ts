/**
 * The real OpenClaw CLI under a real daemon: `openclaw agent exec` (pinned, on Node 24, from the
 * test cache; see test/helpers/openclaw-install.ts) talks to the fake model server on 127.0.0.1.
 * Slow (~15–25 s and ~1 GB per OpenClaw turn); part of `npm test`, and alone with
 * `npm run test:openclaw`.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { allProcesses } from '../../daemon/agents/proc.js';
import { openclawProfile } from '../../daemon/agents/profile.js';
import type { Task, TaskEvent } from '../../shared/tasks.js';
import { FAKE_MODEL_ID, type FakeModelServer, startFakeModelServer } from '../fixtures/fake-model-server.js';
import { submit, waitForState } from '../helpers/api.js';
import { runAidos } from '../helpers/cli.js';
import { cleanupDaemons, type DaemonProcess, startDaemon } from '../helpers/daemon-process.js';
import { fakeModelOpenClawConfig, vitestVariables } from '../helpers/openclaw-config.js';
import { ensureOpenClaw, type OpenClawInstall } from '../helpers/openclaw-install.js';

const REPLY = 'hi from the fake model';
/** Bound on one task that runs OpenClaw once or twice (a turn is ~15–20 s here, more under load). */
const TASK_WAIT_MS = 150_000;
/** Bound on finding or installing OpenClaw (ensureOpenClaw bounds the install at 15 minutes). */
const INSTALL_WAIT_MS = 16 * 60_000;

let install: OpenClawInstall;
let model: FakeModelServer;
let root: string;
let agentTmp: string;
let daemon: DaemonProcess;

/** One line per test for the summary printed at the end. */
interface Measure {
  test: string;
  wallS: number;
  /** CPU of the agent processes the daemon reaped during the test (their whole trees), s. */
  agentCpuS: number;
  /** Highest RSS of an agent's process tree, as the daemon sampled it, MB. */
  peakRssMb: number | undefined;
  /** Run duration(s) the daemon recorded, s. */
  runS: number[];
  modelRequests: number;
}
const measures: Measure[] = [];

/** CPU (user + system) of the daemon's reaped children, s: /proc/PID/stat fields 16 and 17. */
async function reapedChildCpuS(pid: number): Promise<number> {
  const text = await readFile(`/proc/${pid}/stat`, 'utf8');
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return (Number(f[13]) + Number(f[14])) / 100;
}

/** Runs `body`, then records its wall time, the agents' CPU and the runs' peak RSS. */
async function measured(test: string, tag: string, body: () => Promise<{ events: TaskEvent[] }>) {
  const pid = daemon.child.pid as number;
  const cpu0 = await reapedChildCpuS(pid);
  const t0 = performance.now();
  const { events } = await body();
  const finished = events.filter((e) => typeof e.detail?.duration_ms === 'number');
  const rss = finished.map((e) => Number(e.detail?.peak_rss_bytes ?? 0));
  measures.push({
    test,
    wallS: Math.round((performance.now() - t0) / 100) / 10,
    agentCpuS: Math.round(((await reapedChildCpuS(pid)) - cpu0) * 10) / 10,
    peakRssMb: rss.length ? Math.round(Math.max(...rss) / 1024 / 1024) : undefined,
    runS: finished.map((e) => Math.round(Number(e.detail?.duration_ms) / 100) / 10),
    modelRequests: requestsFor(tag),
  });
}

/** Chat completions whose user messages carry `tag`. */
function requestsFor(tag: string): number {
  return model.requests().filter((r) => r.path === '/v1/chat/completions' && r.userText.includes(tag)).length;
}

/** The built-in profile's args with the value after `flag` replaced. */
function withValue(args: string[], flag: string, value: string): string[] {
  const i = args.indexOf(flag);
  if (i < 0) throw new Error(`built-in openclaw profile has no ${flag}`);
  return args.map((a, j) => (j === i + 1 ? value : a));
}

/** The per-run temp folder the supervisor gives attempt 1 of a task (TMPDIR). */
function runTmp(taskId: string): string {
  return join(daemon.dataDir, 'agents', 'runs', taskId, 'attempt-1', 'tmp');
}

/** OpenClaw's `agent exec` state folders left in `dir`. */
async function execLeftovers(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((n) => n.startsWith('openclaw-agent-exec-'));
}

/** Our own agents still alive: any process running this install's openclaw.mjs on our data dir. */
async function strayAgents(): Promise<number[]> {
  const found: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const cmdline = await readFile(`/proc/${name}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(install.openclawMjs) && cmdline.includes(daemon.dataDir)) found.push(Number(name));
  }
  return found;
}

beforeAll(async () => {
  install = await ensureOpenClaw();
  process.stderr.write(
    `[real-openclaw] openclaw ${install.openclawVersion} on node ${install.nodeVersion}` +
      ` (${install.installed ? 'installed' : 'found'} in ${(install.ms / 1000).toFixed(1)} s)\n`,
  );
  model = await startFakeModelServer({ reply: REPLY });
  root = await mkdtemp(join(tmpdir(), 'aidos-openclaw-'));
  const state = join(root, 'openclaw-state');
  const home = join(root, 'home');
  agentTmp = join(root, 'tmp');
  // A fixed workspace whose project settings turn OpenClaw's own model retries off (~8 retries
  // over ~90 s otherwise); only a workspace's .openclaw/settings.json does that for `agent exec`.
  const fastFailWork = join(root, 'fast-fail-work');
  for (const dir of [state, home, agentTmp, join(fastFailWork, '.openclaw')])
    await mkdir(dir, { recursive: true });
  await writeFile(
    join(fastFailWork, '.openclaw', 'settings.json'),
    JSON.stringify({ retry: { provider: { maxRetries: 0 } } }),
  );
  // Found by OpenClaw as $OPENCLAW_STATE_DIR/openclaw.json (see OPENCLAW.md).
  await writeFile(
    join(state, 'openclaw.json'),
    // Each run also appends to the shared /tmp/openclaw/openclaw-DATE.log: `agent exec` ignores
    // TMPDIR and `logging.file` for it (seen with 2026.9.6).
    JSON.stringify(fakeModelOpenClawConfig(model.baseUrl)),
  );
  const builtIn = openclawProfile(install.command);
  const configFile = join(root, 'aidos.yaml');
  await writeFile(
    configFile,
    YAML.stringify({
      agents: {
        // The built-in `openclaw` profile, exactly as shipped, is the default.
        openclaw_command: install.command,
        slots: 1,
        kill_grace: '3s',
        profiles: {
          'openclaw-fast-fail': {
            command: builtIn.command,
            args: withValue(builtIn.args, '--cwd', fastFailWork),
            timeout: '120s',
          },
          'openclaw-own-timeout': {
            command: builtIn.command,
            args: withValue(builtIn.args, '--timeout', '5'),
            timeout: '120s',
          },
          'openclaw-bad-option': {
            command: builtIn.command,
            // The stand-in's extra option, which the real CLI does not have.
            args: [...builtIn.args, '--attempt', '{attempt}'],
            timeout: '60s',
          },
        },
      },
      tasks: { retry_base: '200ms', retry_max: '1s' },
    }),
  );
  daemon = await startDaemon({
    args: ['--config', configFile],
    // The agents inherit the daemon's environment; the built-in profile sets none of its own.
    env: { HOME: home, OPENCLAW_STATE_DIR: state, TMPDIR: agentTmp, NO_COLOR: '1', AIDOS_LOG_LEVEL: 'info' },
    // OpenClaw prints nothing at all, not even its envelope, when it sees vitest's variables
    // (VITEST=true, VITEST_WORKER_ID, …): it takes itself for a test run.
    unsetEnv: vitestVariables(),
  });
  // A cold install (Node 24 + openclaw, ~840 MB from the npm registry) happens here.
}, INSTALL_WAIT_MS);

afterEach(async () => {
  expect(await strayAgents()).toEqual([]);
});

afterAll(async () => {
  const stray = daemon ? await strayAgents() : [];
  await cleanupDaemons();
  // Agents die with the daemon (parent-death signal); anything left is ours to end, and a failure.
  const survivors = daemon ? await strayAgents() : [];
  for (const pid of survivors) process.kill(pid, 'SIGKILL');
  await model?.close();
  if (root) await rm(root, { recursive: true, force: true });
  if (measures.length) {
    process.stderr.write(
      `[real-openclaw] per test:\n${measures.map((m) => `  ${JSON.stringify(m)}`).join('\n')}\n`,
    );
  }
  expect({ strayBeforeStop: stray, survivors }).toEqual({ strayBeforeStop: [], survivors: [] });
});

describe('the real openclaw CLI under the daemon', () => {
  it(
    'runs a task through the built-in openclaw profile and keeps the parsed result',
    async () => {
      const tag = '[t-ok]';
      await measured('success (built-in profile)', tag, async () => {
        const out = await runAidos(
          [
            'task',
            'submit',
            '--url',
            daemon.url,
            '-m',
            `say hi ${tag}`,
            '--wait',
            '--json',
            '--wait-timeout',
            '150s',
          ],
          {},
          TASK_WAIT_MS + 5_000,
        );
        expect(out.code, out.stderr).toBe(0);
        const task = JSON.parse(out.stdout) as Task;
        expect(task).toMatchObject({ state: 'succeeded', profile: 'openclaw', attempt: 1, error: null });
        expect(task.result).toMatchObject({
          ok: true,
          status: 'ok',
          final: REPLY,
          usage: { input: 11, output: 5, total: 16 },
          cost: 0,
          model: FAKE_MODEL_ID,
          provider: 'fake',
          assistantTurns: 1,
        });
        expect((task.result as { sessionId?: string }).sessionId).toMatch(/^[0-9a-f-]{36}$/);
        // One streamed completion carried the task's message.
        const seen = model.requests().filter((r) => r.userText.includes(tag));
        expect(seen.length).toBeGreaterThanOrEqual(1);
        expect(seen[0]).toMatchObject({ behaviour: 'answer', stream: true });
        const detail = await waitForState(daemon.url, task.id, ['succeeded'], 5_000);
        // OpenClaw removes its temporary state dir when it finishes by itself.
        expect(await execLeftovers(runTmp(task.id))).toEqual([]);
        expect(await execLeftovers(agentTmp)).toEqual([]);
        return detail;
      });
    },
    TASK_WAIT_MS + 20_000,
  );

  it(
    'fails a task whose model answers 500 with OpenClaw’s error, after retrying it',
    async () => {
      const tag = '[t-500]';
      await measured('model 500 (2 attempts)', tag, async () => {
        const task = await submit(daemon.url, {
          message: `say hi model:500 ${tag}`,
          profile: 'openclaw-fast-fail',
          max_attempts: 2,
        });
        const detail = await waitForState(daemon.url, task.id, undefined, TASK_WAIT_MS);
        expect(detail.task).toMatchObject({ state: 'dead', attempt: 2 });
        expect(detail.task.error).toMatch(
          /^exception: .*fake\/fake-model request failed \(provider internal error, HTTP 500\).*\(gave up after 2 attempts\)$/,
        );
        expect(detail.task.result).toMatchObject({
          ok: false,
          status: 'error',
          error: { kind: 'exception' },
        });
        const kinds = detail.events.map((e) => e.kind);
        expect(kinds.filter((k) => k === 'retry_scheduled')).toHaveLength(1);
        expect(detail.events.find((e) => e.kind === 'retry_scheduled')?.detail).toMatchObject({
          outcome: 'failed',
          exit_code: 1,
        });
        // Retries off in the workspace settings: one model call per attempt.
        expect(requestsFor(tag)).toBe(2);
        return detail;
      });
    },
    TASK_WAIT_MS + 20_000,
  );

  it(
    'ends a run that outlives the supervisor’s timeout, with its whole process group',
    async () => {
      const tag = '[t-hang]';
      await measured('supervisor timeout 25 s (model hangs)', tag, async () => {
        const task = await submit(daemon.url, {
          message: `say hi model:hang ${tag}`,
          timeout_s: 25,
          max_attempts: 1,
        });
        const detail = await waitForState(daemon.url, task.id, undefined, TASK_WAIT_MS);
        expect(detail.task).toMatchObject({ state: 'dead', attempt: 1 });
        expect(detail.task.error).toMatch(/^timed out after 25000 ms \(.*\) \(gave up after 1 attempt\)$/);
        const started = detail.events.find((e) => e.kind === 'started');
        const pid = Number(started?.detail?.pid);
        expect(pid).toBeGreaterThan(0);
        // Nothing of the agent's group is left.
        expect(allProcesses().filter((p) => p.pgrp === pid)).toEqual([]);
        // What the killed OpenClaw left behind is inside the run folder (its own TMPDIR), which
        // retention deletes with the run, not in the daemon's temp dir.
        expect((await execLeftovers(runTmp(task.id))).length).toBeGreaterThan(0);
        expect(await execLeftovers(agentTmp)).toEqual([]);
        return detail;
      });
    },
    TASK_WAIT_MS + 20_000,
  );

  it(
    'reads OpenClaw’s own timeout (exit 2, status timeout) when it comes first',
    async () => {
      const tag = '[t-own-timeout]';
      await measured('OpenClaw --timeout 5 (model hangs)', tag, async () => {
        const task = await submit(daemon.url, {
          message: `say hi model:hang ${tag}`,
          profile: 'openclaw-own-timeout',
          max_attempts: 1,
        });
        const detail = await waitForState(daemon.url, task.id, undefined, TASK_WAIT_MS);
        expect(detail.task).toMatchObject({ state: 'dead', attempt: 1 });
        expect(detail.task.result).toMatchObject({
          ok: false,
          status: 'timeout',
          error: { kind: 'timeout' },
        });
        expect(detail.task.error).toMatch(/Request timed out before a response was generated/);
        expect(detail.events.find((e) => e.kind === 'dead')?.detail).toMatchObject({
          outcome: 'timeout',
          exit_code: 2,
          signal: null,
        });
        return detail;
      });
    },
    TASK_WAIT_MS + 20_000,
  );

  it('fails at once, without retrying, when OpenClaw rejects an option of the profile', async () => {
    const tag = '[t-bad-option]';
    await measured('unknown option', tag, async () => {
      const task = await submit(daemon.url, {
        message: `say hi ${tag}`,
        profile: 'openclaw-bad-option',
        max_attempts: 3,
      });
      const detail = await waitForState(daemon.url, task.id, undefined, 60_000);
      expect(detail.task).toMatchObject({ state: 'failed', attempt: 1 });
      expect(detail.task.error).toBe(
        'cli_error: OpenClaw does not recognize option "--attempt".\nTry: openclaw agent exec --help',
      );
      expect(requestsFor(tag)).toBe(0);
      return detail;
    });
  }, 90_000);
});
