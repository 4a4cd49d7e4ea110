/**
 * Gateway mode with the real OpenClaw: the daemon supervises `openclaw gateway run` and runs tasks
 * of the built-in `openclaw-gateway` profile as turns over the gateway's WebSocket protocol (v4),
 * against the fake model server on 127.0.0.1. One gateway serves most tests (a start is ~10–25 s
 * and ~1 GB); the memory guard gets a daemon of its own at the end.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { readStat } from '../../daemon/agents/proc.js';
import { openclawProfile } from '../../daemon/agents/profile.js';
import type { Task } from '../../shared/tasks.js';
import { FAKE_MODEL_ID, type FakeModelServer, startFakeModelServer } from '../fixtures/fake-model-server.js';
import { api, getTask, submit, waitForState } from '../helpers/api.js';
import { runAidos } from '../helpers/cli.js';
import { cleanupDaemons, type DaemonProcess, startDaemon } from '../helpers/daemon-process.js';
import { fakeModelOpenClawConfig, vitestVariables } from '../helpers/openclaw-config.js';
import { ensureOpenClaw, OPENCLAW_VERSION, type OpenClawInstall } from '../helpers/openclaw-install.js';
import { freePort } from '../helpers/postgres-server.js';
import { waitFor } from '../helpers/wait.js';

const REPLY = 'hi from the gateway';
const PROFILE = 'openclaw-gateway';
/** Bound on a gateway (re)start: ~10–25 s on an idle 2-core machine, minutes when it is oversubscribed. */
const GATEWAY_START_MS = 240_000;
const INSTALL_WAIT_MS = 16 * 60_000;

let install: OpenClawInstall;
let model: FakeModelServer;
let root: string;
let daemon: DaemonProcess;
/** The daemon a test runs against, for its log on failure. */
let current: DaemonProcess | undefined;

interface ServiceInfo {
  name: string;
  state: string;
  pid: number | null;
  restarts: number;
}

async function gatewayService(d: DaemonProcess): Promise<ServiceInfo | undefined> {
  const res = await api<{ services?: ServiceInfo[] }>(d.url, 'GET', '/api/v1/node');
  return res.body.services?.find((s) => s.name === 'openclaw-gateway-0');
}

/** Waits until the gateway is up and the daemon takes gateway turns (capacity > 0 on /metrics). */
async function gatewayAccepting(d: DaemonProcess, timeoutMs = GATEWAY_START_MS): Promise<ServiceInfo> {
  await waitFor(
    async () => (await metric(d, 'aidos_gateway_capacity')) > 0,
    timeoutMs,
    'gateway accepting turns',
  );
  return (await gatewayService(d)) as ServiceInfo;
}

/** One sample of /metrics; `labels` like `gateway="openclaw-gateway-0",reason="crash"`. */
async function metric(d: DaemonProcess, name: string, labels = ''): Promise<number> {
  const text = await (await fetch(`${d.url}/metrics`)).text();
  const line = text
    .split('\n')
    .find((l) => l.startsWith(labels ? `${name}{` : `${name} `) && l.includes(labels));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

/** Processes of this test's OpenClaw: their environment names our temp root. */
async function ourOpenClaws(): Promise<number[]> {
  const found: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const environ = await readFile(`/proc/${name}/environ`, 'utf8').catch(() => '');
    if (root && environ.includes(root) && environ.includes('OPENCLAW')) found.push(Number(name));
  }
  return found;
}

const requestsFor = (tag: string) =>
  model.requests().filter((r) => r.path === '/v1/chat/completions' && r.userText.includes(tag));

/** Submits a gateway task whose first model call hangs (later ones answer); resolves once the turn is at the model. */
async function hangingTurn(
  d: DaemonProcess,
  tag: string,
  maxAttempts: number,
  prefix = 'hang',
): Promise<Task> {
  const task = await submit(d.url, {
    message: `${prefix} model:hang-once ${tag}`,
    profile: PROFILE,
    max_attempts: maxAttempts,
  });
  await waitFor(() => model.openHangs().some((t) => t.includes(tag)), 60_000, 'the turn to reach the model');
  return task;
}

/** A daemon with one gateway; `reuse` restarts on an earlier daemon's data dir and gateway state. */
async function gatewayDaemon(
  name: string,
  gateway: Record<string, unknown>,
  reuse?: { dataDir: string; state: string },
): Promise<DaemonProcess> {
  const stateDir = join(root, `${reuse?.state ?? name}-state`);
  await mkdir(stateDir, { recursive: true });
  // The operator's OpenClaw config (models, providers); the daemon adds the gateway's own block.
  await writeFile(join(stateDir, 'openclaw.json'), JSON.stringify(fakeModelOpenClawConfig(model.baseUrl)));
  // `agent exec` reads its config from OPENCLAW_STATE_DIR (the gateway's state is its own).
  const execState = join(root, `${name}-exec-state`);
  await mkdir(execState, { recursive: true });
  await writeFile(join(execState, 'openclaw.json'), JSON.stringify(fakeModelOpenClawConfig(model.baseUrl)));
  const builtIn = openclawProfile(install.command);
  const configFile = join(root, `${name}.yaml`);
  await writeFile(
    configFile,
    YAML.stringify({
      agents: {
        openclaw_command: install.command,
        slots: 1,
        kill_grace: '3s',
        gateway: { enabled: true, count: 1, state_dir: stateDir, port: await freePort(), ...gateway },
        profiles: {
          'exec-fast-fail': {
            command: builtIn.command,
            args: builtIn.args,
            env: { OPENCLAW_STATE_DIR: execState },
            provider_retries: false,
            node: install.node,
            timeout: '120s',
          },
        },
      },
      // A 20 s lease and an 8 s guard: the paused-daemon test waits for the guard, and a loaded
      // machine still has 12 s between the guard's abort and the lease.
      tasks: { retry_base: '200ms', retry_max: '1s', lease: '20s', renew_every: '3s', guard_after: '8s' },
      health: { schedules: { fast: '*/1 * * * * *' } },
    }),
  );
  const home = join(root, `${name}-home`);
  await mkdir(home, { recursive: true });
  return startDaemon({
    ...(reuse ? { dataDir: reuse.dataDir } : {}),
    args: ['--config', configFile],
    env: { HOME: home, TMPDIR: join(root, 'tmp'), NO_COLOR: '1', AIDOS_LOG_LEVEL: 'info' },
    unsetEnv: vitestVariables(),
  });
}

beforeAll(async () => {
  install = await ensureOpenClaw();
  model = await startFakeModelServer({ reply: REPLY });
  root = await mkdtemp(join(tmpdir(), 'aidos-gw-'));
  await mkdir(join(root, 'tmp'), { recursive: true });
  daemon = await gatewayDaemon('main', { concurrency: 4, provider_retries: false, ready_timeout: '2s' });
  current = daemon;
  await gatewayAccepting(daemon);
}, INSTALL_WAIT_MS);

afterEach((ctx) => {
  if (ctx.task.result?.state !== 'fail' || !current) return;
  // What the daemon saw of its gateway and tasks, to tell a slow machine from a stuck turn.
  const lines = current
    .logs()
    .filter((l) => /gateway|agent|task|lease|claim/i.test(String(l.msg)))
    .slice(-60)
    .map((l) => JSON.stringify(l).slice(0, 400));
  process.stderr.write(`[gateway.test] daemon log tail:\n${lines.join('\n')}\n`);
});

afterAll(async () => {
  await cleanupDaemons();
  // Gateways die with their daemon; anything left is a failure (and ours to end).
  const left = root ? await ourOpenClaws() : [];
  for (const pid of left) process.kill(pid, 'SIGKILL');
  await model?.close();
  if (root) await rm(root, { recursive: true, force: true });
  expect(left).toEqual([]);
});

describe('openclaw-gateway: tasks as turns on a supervised gateway', () => {
  it('speaks wire v4 with the pinned OpenClaw and runs three tasks with distinct sessions', async () => {
    // The log line may reach us after /metrics already shows the connection (stdout is a pipe).
    const hello = await waitFor(
      () => daemon.logs().find((l) => l.msg === 'gateway connected'),
      30_000,
      'the gateway connected log line',
    );
    expect(hello).toMatchObject({ protocol: 4, version: OPENCLAW_VERSION });
    // The gateway's lanes are slots of this node (agents.slots 1 + concurrency 4), in node.info
    // and in the metadata it gossips.
    expect((await api<{ slots: number }>(daemon.url, 'GET', '/api/v1/node')).body.slots).toBe(5);
    await waitFor(
      async () => {
        const res = await api<{ nodes: { self: boolean; slots: { total: number } }[] }>(
          daemon.url,
          'GET',
          '/api/v1/nodes',
        );
        return res.body.nodes.find((n) => n.self)?.slots.total === 5;
      },
      30_000,
      'gossip to count the gateway lanes',
    );
    const tags = ['[g-1]', '[g-2]', '[g-3]'];
    const cli = await runAidos(
      ['task', 'submit', '--url', daemon.url, '--profile', PROFILE, '-m', `say hi ${tags[0]}`, '--json'],
      {},
      30_000,
    );
    expect(cli.code, cli.stderr).toBe(0);
    const first = JSON.parse(cli.stdout) as Task;
    const rest = await Promise.all(
      tags.slice(1).map((t) => submit(daemon.url, { message: `say hi ${t}`, profile: PROFILE })),
    );
    const done = await Promise.all(
      [first, ...rest].map((t) => waitForState(daemon.url, t.id, undefined, 90_000)),
    );
    for (const { task } of done) {
      expect(task).toMatchObject({ state: 'succeeded', profile: PROFILE, attempt: 1, error: null });
      expect(task.result).toMatchObject({
        ok: true,
        status: 'ok',
        final: REPLY,
        usage: { input: 11, output: 5, total: 16 },
        model: FAKE_MODEL_ID,
        provider: 'fake',
        runId: `aidos-${task.id}-f${task.fence}`,
      });
    }
    const sessions = new Set(done.map(({ task }) => (task.result as { sessionId: string }).sessionId));
    expect(sessions.size).toBe(3);
    for (const t of tags) expect(requestsFor(t)).toHaveLength(1);
  }, 120_000);

  it('runs ten at once within the gateway lane limit, all succeeding', async () => {
    const tasks = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        submit(daemon.url, { message: `slow model:slow [lane-${i}]`, profile: PROFILE }),
      ),
    );
    let peakRunning = 0;
    const poll = setInterval(async () => {
      const node = await api<{ running?: string[] }>(daemon.url, 'GET', '/api/v1/node').catch(
        () => undefined,
      );
      peakRunning = Math.max(peakRunning, node?.body.running?.length ?? 0);
    }, 200);
    const done = await Promise.all(
      tasks.map((t) => waitForState(daemon.url, t.id, undefined, 120_000)),
    ).finally(() => clearInterval(poll));
    expect(done.map((d) => d.task.state)).toEqual(Array(10).fill('succeeded'));
    // concurrency 4: never more turns at the model (or claims on the daemon) than lanes.
    expect(model.peakConcurrent()).toBeLessThanOrEqual(4);
    expect(model.peakConcurrent()).toBeGreaterThanOrEqual(2);
    expect(peakRunning).toBeLessThanOrEqual(4);
    // The gateway's own event-loop delay, from the eventLoop diagnostics of its health RPC (it has
    // one once its sampler's first window completed).
    await waitFor(
      async () =>
        (await metric(daemon, 'aidos_gateway_event_loop_lag_seconds', 'gateway="openclaw-gateway-0"')) > 0,
      90_000,
      'the gateway to report its event-loop delay',
    );
  }, 240_000);

  it('continues the session on a retry: the model sees the earlier turn', async () => {
    const tag = '[g-retry]';
    const task = await submit(daemon.url, {
      message: `answer model:500-once ${tag}`,
      profile: PROFILE,
      max_attempts: 2,
    });
    const { task: done, events } = await waitForState(daemon.url, task.id, undefined, 90_000);
    expect(done).toMatchObject({ state: 'succeeded', attempt: 2, result: { final: REPLY } });
    expect(events.map((e) => e.kind)).toContain('retry_scheduled');
    const seen = requestsFor(tag);
    expect(seen.map((r) => r.behaviour)).toEqual(['error', 'answer']);
    // The second turn's history holds the first turn's message: one session across attempts.
    expect((seen[1]?.userText.match(/model:500-once/g) ?? []).length).toBeGreaterThanOrEqual(2);
  }, 120_000);

  it('aborts the turn in the gateway on cancel and on timeout', async () => {
    const cancelTag = '[g-cancel]';
    const cancelled = await submit(daemon.url, { message: `hang model:hang ${cancelTag}`, profile: PROFILE });
    await waitFor(
      () => model.openHangs().some((t) => t.includes(cancelTag)),
      60_000,
      'the turn to reach the model',
    );
    const res = await api(daemon.url, 'POST', `/api/v1/tasks/${cancelled.id}/cancel`, {});
    expect(res.status).toBe(200);
    expect((await waitForState(daemon.url, cancelled.id, undefined, 30_000)).task.state).toBe('cancelled');
    // The gateway dropped its model call: the turn stopped there, not only in the daemon.
    await waitFor(
      () => !model.openHangs().some((t) => t.includes(cancelTag)),
      20_000,
      'the gateway to abort the turn',
    );

    const timeoutTag = '[g-timeout]';
    const timed = await submit(daemon.url, {
      message: `hang model:hang ${timeoutTag}`,
      profile: PROFILE,
      timeout_s: 8,
      max_attempts: 1,
    });
    const { task } = await waitForState(daemon.url, timed.id, undefined, 60_000);
    expect(task.state).toBe('dead');
    expect(task.error).toMatch(/^timed out after 8000 ms; turn aborted in the gateway/);
    await waitFor(
      () => !model.openHangs().some((t) => t.includes(timeoutTag)),
      20_000,
      'the gateway to abort the turn',
    );
  }, 150_000);

  it('has the turn of a paused daemon aborted in the gateway before its lease lapses; on waking the task runs once', async () => {
    const gw = await gatewayAccepting(daemon);
    const tag = '[g-pause]';
    const task = await hangingTurn(daemon, tag, 3);
    const pid = daemon.child.pid as number;
    daemon.child.kill('SIGSTOP');
    const db = new Database(join(daemon.dataDir, 'aidos.db'), { readonly: true });
    let leaseExpiresAt = 0;
    let droppedAt = 0;
    try {
      await waitFor(() => readStat(pid)?.state === 'T', 5_000, 'the daemon to stop');
      // Read once the daemon is stopped: no renewal can move it any more.
      leaseExpiresAt = (
        db.prepare('SELECT lease_expires_at FROM tasks WHERE id = ?').get(task.id) as {
          lease_expires_at: number;
        }
      ).lease_expires_at;
      await waitFor(
        () => !model.openHangs().some((t) => t.includes(tag)) || Date.now() >= leaseExpiresAt,
        30_000,
        'the gateway to drop the turn or the lease to lapse',
      );
      droppedAt = Date.now();
      // The daemon was stopped all along: its guard, not the daemon, stopped the turn.
      expect(readStat(pid)?.state).toBe('T');
    } finally {
      db.close();
      daemon.child.kill('SIGCONT');
    }
    expect(droppedAt).toBeLessThan(leaseExpiresAt);

    const { task: done, events } = await waitForState(daemon.url, task.id, undefined, 90_000);
    expect(done).toMatchObject({ state: 'succeeded', attempt: 2, result: { final: REPLY } });
    expect(events.filter((e) => e.kind === 'succeeded')).toHaveLength(1);
    // The paused attempt recorded nothing: its lapsed lease put the task back in the queue.
    expect(events.some((e) => e.kind === 'requeued')).toBe(true);
    expect(requestsFor(tag).map((r) => r.behaviour)).toEqual(['hang', 'answer']);
    // Aborted over the protocol, for exactly that run; the gateway itself lived on.
    const report = daemon
      .logs()
      .map((l) => l.guard as { task?: string } | undefined)
      .find((g) => g?.task === task.id);
    expect(report).toMatchObject({
      how: 'sessions.abort',
      status: 'aborted',
      run_id: `aidos-${task.id}-f${events.find((e) => e.kind === 'claimed')?.fence}`,
      gateway_pid: gw.pid,
    });
    expect((await gatewayService(daemon))?.pid).toBe(gw.pid);
  }, 180_000);

  it('fails the gateway health check of a SIGSTOPped gateway within its timeout, and recovers on SIGCONT', async () => {
    const gw = await gatewayAccepting(daemon);
    const check = async () => {
      const t0 = Date.now();
      const res = await fetch(`${daemon.url}/health/deep`, { signal: AbortSignal.timeout(5_000) });
      const doc = (await res.json()) as { checks: Record<string, { status: string }[]> };
      return {
        status: doc.checks['gateway:ready']?.[0]?.status,
        rpc: doc.checks['gateway:rpc']?.[0]?.status,
        ms: Date.now() - t0,
      };
    };
    // The health RPC over the daemon's own connection answers too.
    await waitFor(async () => (await check()).rpc === 'pass', 15_000, 'gateway:rpc to pass');
    process.kill(gw.pid as number, 'SIGSTOP');
    try {
      const stopped = Date.now();
      await waitFor(async () => (await check()).status === 'fail', 15_000, 'gateway:ready to fail');
      // ready_timeout 2 s + a 1 s schedule: well under the bound; the endpoint never hangs.
      expect(Date.now() - stopped).toBeLessThan(15_000);
      expect((await check()).ms).toBeLessThan(2_000);
    } finally {
      process.kill(gw.pid as number, 'SIGCONT');
    }
    await waitFor(async () => (await check()).status === 'pass', 30_000, 'gateway:ready to pass again');
  }, 60_000);

  it(
    'restarts a killed gateway with backoff; the turn in flight is retried, queued tasks then succeed',
    async () => {
      const gw = await gatewayAccepting(daemon);
      const tag = '[g-kill]';
      const inFlight = await hangingTurn(daemon, tag, 3);
      process.kill(gw.pid as number, 'SIGKILL');
      const queued = await Promise.all(
        ['[g-q1]', '[g-q2]'].map((t) => submit(daemon.url, { message: `say hi ${t}`, profile: PROFILE })),
      );
      // While the gateway is down its tasks wait in the queue: none fails.
      for (const t of queued)
        expect(['queued', 'running', 'succeeded']).toContain((await getTask(daemon.url, t.id)).task.state);
      const done = await Promise.all(
        [inFlight, ...queued].map((t) =>
          waitForState(daemon.url, t.id, undefined, GATEWAY_START_MS + 60_000),
        ),
      );
      expect(done.map((d) => d.task.state)).toEqual(['succeeded', 'succeeded', 'succeeded']);
      expect(done[0]?.task.attempt).toBe(2);
      const after = await gatewayService(daemon);
      expect(after?.restarts).toBeGreaterThanOrEqual(1);
      expect(after?.pid).not.toBe(gw.pid);
      expect(await metric(daemon, 'aidos_gateway_restarts_total', 'reason="crash"')).toBeGreaterThanOrEqual(
        1,
      );
    },
    GATEWAY_START_MS + 120_000,
  );

  it('exec mode with provider retries off fails fast against a failing model', async () => {
    const tag = '[x-fast-fail]';
    const task = await submit(daemon.url, {
      message: `say hi model:500 ${tag}`,
      profile: 'exec-fast-fail',
      max_attempts: 1,
    });
    const { task: done } = await waitForState(daemon.url, task.id, undefined, 110_000);
    expect(done.state).toBe('dead');
    expect(done.error).toMatch(/HTTP 500/);
    // One model call, not OpenClaw's ~8 retries over ~90 s (wall time varies too much with load).
    expect(requestsFor(tag)).toHaveLength(1);
  }, 120_000);
});

describe('openclaw-gateway across a daemon restart, and the memory guard', () => {
  /** The restarted daemon, on the first one's data dir and gateway state, with a low memory limit. */
  let d: DaemonProcess;

  it(
    'a clean stop aborts the turn in flight and requeues its task; the restarted daemon continues its session',
    async () => {
      const tag = '[g-restart]';
      const task = await hangingTurn(daemon, tag, 2, 'answer');
      expect((await daemon.stop()).code).toBe(0);
      const db = new Database(join(daemon.dataDir, 'aidos.db'), { readonly: true });
      try {
        // Back in the queue, not failed: the stop was the daemon's doing, not the task's.
        expect(db.prepare('SELECT state FROM tasks WHERE id = ?').get(task.id)).toEqual({ state: 'queued' });
      } finally {
        db.close();
      }
      await waitFor(
        () => !model.openHangs().some((t) => t.includes(tag)),
        10_000,
        'the model call to be dropped',
      );
      // Far below the ~0.8 GB a gateway needs: every gateway that has taken a turn is over it.
      d = await gatewayDaemon(
        'mem',
        { memory_limit: '300MB', memory_warn: '200MB', drain_timeout: '180s' },
        { dataDir: daemon.dataDir, state: 'main' },
      );
      current = d;
      const { task: done } = await waitForState(d.url, task.id, undefined, GATEWAY_START_MS + 60_000);
      expect(done).toMatchObject({ state: 'succeeded', result: { final: REPLY } });
      const seen = requestsFor(tag);
      // One turn per claim: the aborted one, then the one the restarted daemon ran, in that order.
      expect(seen.map((r) => r.behaviour)).toEqual(['hang', 'answer']);
      expect(done.node_id).toBe(`n${d.port}`);
    },
    GATEWAY_START_MS + 120_000,
  );

  it(
    'drains a gateway past its memory limit, restarts it and loses no task',
    async () => {
      await gatewayAccepting(d);
      const first = await submit(d.url, { message: `slow model:slow [m-1]`, profile: PROFILE });
      const second = await submit(d.url, { message: `say hi [m-2]`, profile: PROFILE });
      const done = await Promise.all(
        [first, second].map((t) => waitForState(d.url, t.id, undefined, GATEWAY_START_MS + 60_000)),
      );
      expect(done.map((x) => x.task.state)).toEqual(['succeeded', 'succeeded']);
      await waitFor(
        async () => (await metric(d, 'aidos_gateway_restarts_total', 'reason="memory"')) >= 1,
        GATEWAY_START_MS,
        'a memory restart',
      );
      const warned = d
        .logs()
        .find((l) => l.msg === 'gateway past its memory limit: draining, then restarting');
      expect(warned).toBeDefined();
      // No attempt was used up by the restart.
      expect(done.map((x) => x.task.attempt)).toEqual([1, 1]);
    },
    2 * GATEWAY_START_MS + 120_000,
  );
});
