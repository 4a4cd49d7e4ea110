import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, getTask, submit, waitForState } from '../helpers/api.js';
import { type CliResult, runAidos } from '../helpers/cli.js';
import { cleanupDaemons, type DaemonProcess, startDaemon } from '../helpers/daemon-process.js';
import { writeStandinConfig } from '../helpers/standin-config.js';

/** Pinning (`--node`) and label requirements (`--require`) against a node's `labels`. */
describe('task placement', () => {
  let dir: string;
  let daemon: DaemonProcess;
  let env: Record<string, string>;
  const aidos = (args: string[]): Promise<CliResult> => runAidos(args, env);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'aidos-place-'));
    daemon = await startDaemon({
      args: ['--config', writeStandinConfig(dir, { labels: { gpu: true, zone: 'b' } })],
    });
    env = { AIDOS_URL: daemon.url };
  });
  afterAll(async () => {
    await cleanupDaemons();
    await rm(dir, { recursive: true, force: true });
  });

  it('runs a task whose requirements and pin this node meets', async () => {
    const out = await aidos([
      'task',
      'submit',
      '-m',
      'sleep:10 placed',
      '--require',
      'gpu=true',
      '--require',
      'zone=b',
      '--node',
      `n${daemon.port}`,
      '--wait',
      '--json',
    ]);
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout)).toMatchObject({
      state: 'succeeded',
      node_id: `n${daemon.port}`,
      pin_node: `n${daemon.port}`,
      require: { gpu: 'true', zone: 'b' },
    });
  });

  it('leaves a task no node can take queued, and task show says why', async () => {
    const noLabel = (
      await aidos(['task', 'submit', '-m', 'sleep:10 never', '--require', 'gpu=false'])
    ).stdout.trim();
    const elsewhere = (
      await aidos(['task', 'submit', '-m', 'sleep:10 never', '--node', 'other-node'])
    ).stdout.trim();
    // Submitted after them, so a claim round that takes it has passed over the two older ones.
    const later = await submit(daemon.url, { message: 'sleep:10 later' });
    await waitForState(daemon.url, later.id, ['succeeded'], 20_000);
    for (const id of [noLabel, elsewhere]) expect((await getTask(daemon.url, id)).task.state).toBe('queued');

    const shown = await aidos(['task', 'show', noLabel]);
    expect(shown.stdout).toMatch(/waiting:\s+no live worker node advertises gpu=false/);
    expect(shown.stdout).toMatch(/requires:\s+gpu=false/);
    const json = JSON.parse((await aidos(['task', 'show', elsewhere, '--json'])).stdout);
    expect(json.waiting).toBe('pinned to node other-node, which is not a live worker node');
    await aidos(['task', 'cancel', noLabel]);
    await aidos(['task', 'cancel', elsewhere]);
  });

  it('refuses bad placement input, naming the field, and stores nothing', async () => {
    const flag = await aidos(['task', 'submit', '-m', 'x', '--require', 'gpu']);
    expect(flag.code).not.toBe(0);
    expect(flag.stderr).toContain('--require must be key=value');
    const before = (await api<{ tasks: unknown[] }>(daemon.url, 'GET', '/api/v1/tasks?limit=500')).body.tasks
      .length;
    for (const [body, field] of [
      [{ message: 'x', node: 'not a node!' }, 'node'],
      [{ message: 'x', require: { 'bad key': 'v' } }, 'require'],
      [{ message: 'x', require: { gpu: 1 } }, 'require'],
    ] as const) {
      const res = await api<{ error: { field?: string; message: string } }>(
        daemon.url,
        'POST',
        '/api/v1/tasks',
        body,
      );
      expect(res.status).toBe(400);
      expect(res.body.error.field ?? res.body.error.message).toContain(field);
    }
    expect(
      (await api<{ tasks: unknown[] }>(daemon.url, 'GET', '/api/v1/tasks?limit=500')).body.tasks,
    ).toHaveLength(before);
  });
});
