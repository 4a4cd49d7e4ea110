import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Task } from '../../shared/tasks.js';
import { api, getTask, submit, waitForState } from '../helpers/api.js';
import { cleanupDaemons, type DaemonProcess, startDaemon } from '../helpers/daemon-process.js';
import { writeStandinConfig } from '../helpers/standin-config.js';
import { waitFor } from '../helpers/wait.js';

/** How a suite reaches its store: extra daemon args (e.g. --db URL) and a cleanup. */
export interface StoreTarget {
  /** Extra `aidos daemon` args. */
  args: string[];
  /** Drops the database or the like. */
  cleanup(): Promise<void>;
}

function isDead(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

/** The task lifecycle, end to end through a real daemon and real agent processes, on one store. */
export function defineLifecycleSuite(label: string, target: () => Promise<StoreTarget>): void {
  describe(`task lifecycle on ${label}`, () => {
    let dir: string;
    let store: StoreTarget;
    let daemon: DaemonProcess;

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'aidos-life-'));
      store = await target();
      daemon = await startDaemon({ args: ['--config', writeStandinConfig(dir), ...store.args] });
    });
    afterAll(async () => {
      await cleanupDaemons();
      await store?.cleanup();
      await rm(dir, { recursive: true, force: true });
    });

    it('runs a task to success and keeps the parsed OpenClaw envelope and its history', async () => {
      const task = await submit(daemon.url, { message: 'sleep:50 hello', labels: { team: 'sre' } });
      expect(task.state).toBe('queued');
      const { task: done, events } = await waitForState(daemon.url, task.id);
      expect(done.state).toBe('succeeded');
      expect(done.attempt).toBe(1);
      expect(done.result).toMatchObject({ ok: true, status: 'ok' });
      expect(done.labels).toEqual({ team: 'sre' });
      expect(events.map((e) => e.kind)).toEqual(['submitted', 'claimed', 'started', 'succeeded']);
    });

    it('retries a failing agent with growing backoff, then dead-letters it', async () => {
      const task = await submit(daemon.url, { message: 'fail', max_attempts: 3 });
      const { task: done, events } = await waitForState(daemon.url, task.id);
      expect(done.state).toBe('dead');
      expect(done.attempt).toBe(3);
      expect(events.filter((e) => e.kind === 'claimed')).toHaveLength(3);
      const retries = events
        .filter((e) => e.kind === 'retry_scheduled')
        .map((e) => Number(e.detail.retry_in_ms));
      expect(retries).toHaveLength(2);
      // Full jitter: attempt n waits between base*2^(n-1)/2 and base*2^(n-1) (base 20 ms).
      expect(retries[0]).toBeGreaterThanOrEqual(10);
      expect(retries[0]).toBeLessThanOrEqual(20);
      expect(retries[1]).toBeGreaterThanOrEqual(20);
      expect(retries[1]).toBeLessThanOrEqual(40);
      expect(done.error).toMatch(/gave up after 3 attempts/);
    });

    it('succeeds on a later attempt after transient failures', async () => {
      const task = await submit(daemon.url, { message: 'fail-until:2', max_attempts: 3 });
      const { task: done } = await waitForState(daemon.url, task.id);
      expect(done.state).toBe('succeeded');
      expect(done.attempt).toBe(2);
    });

    it('stops an agent at its timeout and dead-letters the task', async () => {
      const task = await submit(daemon.url, { message: 'hang', timeout_s: 0.5, max_attempts: 1 });
      const { task: done, events } = await waitForState(daemon.url, task.id);
      expect(done.state).toBe('dead');
      expect(done.error).toMatch(/timed out after 500 ms/);
      expect(events.at(-1)?.detail.signal).toBe('SIGTERM');
    });

    it('kills an agent that ignores SIGTERM once the grace has passed', async () => {
      const task = await submit(daemon.url, { message: 'hang ignore-sigterm' });
      // "hanging" comes after the stand-in has started ignoring SIGTERM.
      await waitFor(
        async () => {
          const logs = await api<{ lines: { text: string }[] }>(
            daemon.url,
            'GET',
            `/api/v1/tasks/${task.id}/logs?tail=20`,
          );
          return logs.body.lines?.some((l) => l.text === 'hanging');
        },
        10_000,
        'the agent to ignore SIGTERM',
      );
      await api(daemon.url, 'POST', `/api/v1/tasks/${task.id}/cancel`, { reason: 'operator' });
      const { task: done, events } = await waitForState(daemon.url, task.id);
      expect(done.state).toBe('cancelled');
      expect(events.at(-1)?.detail.signal).toBe('SIGKILL');
    });

    it('cancels a queued task at once and a running one by stopping its agent', async () => {
      const later = await submit(daemon.url, { message: 'sleep:10', run_after: Date.now() + 60_000 });
      const cancelledQueued = await api<{ task: Task }>(
        daemon.url,
        'POST',
        `/api/v1/tasks/${later.id}/cancel`,
        {},
      );
      expect(cancelledQueued.body.task.state).toBe('cancelled');

      const running = await submit(daemon.url, { message: 'hang' });
      const { events } = await waitForState(daemon.url, running.id, ['running']);
      await waitFor(
        async () => (await getTask(daemon.url, running.id)).events.some((e) => e.kind === 'started'),
        10_000,
        'agent start',
      );
      const pid = Number(
        (await getTask(daemon.url, running.id)).events.find((e) => e.kind === 'started')?.detail.pid,
      );
      expect(events.length).toBeGreaterThan(0);
      const res = await api<{ task: Task }>(daemon.url, 'POST', `/api/v1/tasks/${running.id}/cancel`, {
        reason: 'operator',
      });
      expect(res.status).toBe(200);
      const { task: done } = await waitForState(daemon.url, running.id);
      expect(done.state).toBe('cancelled');
      await waitFor(() => isDead(pid), 5_000, 'cancelled agent to exit');
      const again = await api(daemon.url, 'POST', `/api/v1/tasks/${running.id}/cancel`, {});
      expect(again.status).toBe(409);
    });

    it('retries a crashed agent and reports the crash', async () => {
      const task = await submit(daemon.url, { message: 'crash', max_attempts: 2 });
      const { task: done } = await waitForState(daemon.url, task.id);
      expect(done.state).toBe('dead');
      expect(done.error).toMatch(/crashed/);
    });

    it('handles megabytes of output without losing the result, and keeps a log file', async () => {
      const task = await submit(daemon.url, { message: 'bigout:8' });
      const { task: done } = await waitForState(daemon.url, task.id);
      expect(done.state).toBe('succeeded');
      const logs = await api<{ lines: unknown[] }>(daemon.url, 'GET', `/api/v1/tasks/${task.id}/logs?tail=5`);
      expect(logs.status).toBe(200);
      expect(logs.body.lines).toHaveLength(5);
    });

    it('stops an agent over its memory limit with a clear reason', async () => {
      const task = await submit(daemon.url, { message: 'mem:400', profile: 'small' });
      const { task: done } = await waitForState(daemon.url, task.id);
      expect(done.state).toBe('failed');
      expect(done.error).toMatch(/memory limit 150 MB exceeded/);
    });

    it('fails a task whose agent prints invalid JSON or nothing, and keeps running', async () => {
      const bad = await submit(daemon.url, { message: 'badjson', max_attempts: 1 });
      const silent = await submit(daemon.url, { message: 'noout', max_attempts: 1 });
      expect((await waitForState(daemon.url, bad.id)).task.error).toMatch(/json/i);
      expect((await waitForState(daemon.url, silent.id)).task.error).toMatch(/no output|nothing|empty/i);
      expect((await api(daemon.url, 'GET', '/health')).status).toBe(200);
    });

    it('returns the first task for a repeated idempotency key, and 409 when the key comes with another body', async () => {
      const first = await api<{ task: Task; created: boolean }>(daemon.url, 'POST', '/api/v1/tasks', {
        message: 'sleep:1',
        idempotency_key: 'k-1',
      });
      const second = await api<{ task: Task; created: boolean }>(daemon.url, 'POST', '/api/v1/tasks', {
        message: 'sleep:1',
        idempotency_key: 'k-1',
      });
      const other = await api(daemon.url, 'POST', '/api/v1/tasks', {
        message: 'other',
        idempotency_key: 'k-1',
      });
      expect(first.status).toBe(201);
      expect(second.status).toBe(200);
      expect(second.body.created).toBe(false);
      expect(second.body.task.id).toBe(first.body.task.id);
      expect(other.status).toBe(409);
    });

    it('cuts long messages in lists and pushed events, and returns them whole from task.get', async () => {
      const message = `sleep:1 ${'x'.repeat(100_000)}`;
      const task = await submit(daemon.url, { message, labels: { case: 'long' } });
      const list = await api<{ tasks: Task[] }>(daemon.url, 'GET', '/api/v1/tasks?label=case=long');
      const listed = list.body.tasks[0];
      expect(listed?.message).toHaveLength(65_536);
      expect(listed).toMatchObject({ message_truncated: true, message_length: message.length });
      const { task: whole } = await getTask(daemon.url, task.id);
      expect(whole.message).toBe(message);
      expect(whole.message_truncated).toBeUndefined();
    });

    it('rejects bad input with the field and the reason, and stores nothing', async () => {
      const before = await api<{ tasks: Task[] }>(daemon.url, 'GET', '/api/v1/tasks?limit=1000');
      const cases: [unknown, string][] = [
        [{ message: 'x', profile: 'nope' }, 'profile'],
        [{ message: 'x'.repeat(4 * 1024 * 1024 + 1) }, 'message'],
        [{ message: 'x', timeout_s: -1 }, 'timeout_s'],
        [{ message: 'x', priority: 'high' }, 'priority'],
        [{ message: 'x', surprise: 1 }, 'surprise'],
        ['{"message":', 'body'],
        [{}, 'message'],
      ];
      for (const [body, field] of cases) {
        const res = await api<{ error: { code: string; field: string; message: string } }>(
          daemon.url,
          'POST',
          '/api/v1/tasks',
          body,
        );
        expect(res.status, JSON.stringify(res.body).slice(0, 200)).toBe(400);
        expect(res.body.error.field).toBe(field);
        expect(res.body.error.message).toContain(field);
      }
      const after = await api<{ tasks: Task[] }>(daemon.url, 'GET', '/api/v1/tasks?limit=1000');
      expect(after.body.tasks.length).toBe(before.body.tasks.length);
      expect((await api(daemon.url, 'GET', '/api/v1/tasks?limit=abc')).status).toBe(400);
      expect((await api(daemon.url, 'GET', '/api/v1/tasks/t_missing')).status).toBe(404);
    });
  });

  describe(`daemon crash on ${label}`, () => {
    let dir: string;
    let store: StoreTarget;

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'aidos-crash-'));
      store = await target();
    });
    afterAll(async () => {
      await cleanupDaemons();
      await store?.cleanup();
      await rm(dir, { recursive: true, force: true });
    });

    it('after kill -9 mid-run, agents die with the daemon and every task ends exactly once after restart', async () => {
      const config = writeStandinConfig(dir);
      const first = await startDaemon({ args: ['--config', config, ...store.args] });
      const tasks = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          submit(first.url, { message: `sleep:1500 n${i}`, max_attempts: 3 }),
        ),
      );
      const running = await waitFor(
        async () => {
          const details = await Promise.all(tasks.map((t) => getTask(first.url, t.id)));
          const started = details.filter((d) => d.events.some((e) => e.kind === 'started'));
          return started.length === 4 ? started : undefined;
        },
        15_000,
        'four agents to start',
      );
      const pids = running.map((d) => Number(d.events.find((e) => e.kind === 'started')?.detail.pid));
      await first.kill9();
      await waitFor(
        () => pids.every(isDead),
        10_000,
        'agents to die with their daemon (parent-death signal)',
      );

      const second = await startDaemon({
        args: ['--config', config, ...store.args],
        dataDir: first.dataDir,
        port: first.port,
      });
      const finals = await Promise.all(tasks.map((t) => waitForState(second.url, t.id, undefined, 30_000)));
      for (const { task, events } of finals) {
        expect(task.state).toBe('succeeded');
        expect(events.filter((e) => e.kind === 'succeeded')).toHaveLength(1);
      }
      const interrupted = finals.filter(({ events }) => events.some((e) => e.kind === 'requeued'));
      expect(interrupted).toHaveLength(4);
      for (const { task } of interrupted) expect(task.attempt).toBe(2);
      const log = await readFile(join(first.dataDir, 'aidos-test.yaml')).catch(() => undefined);
      expect(log).toBeUndefined();
      // Two daemon starts, a kill and four re-runs, each wait bounded on its own: on a loaded
      // 2-core machine the whole needs more than the default 30 s.
    }, 90_000);
  });
}
