import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import type { TaskEvent } from '../../shared/tasks.js';
import { api } from '../helpers/api.js';
import { cleanupDaemons, startDaemon } from '../helpers/daemon-process.js';
import { writeStandinConfig } from '../helpers/standin-config.js';
import { waitFor } from '../helpers/wait.js';

const TOKEN = 'tok-0123456789abcdef-secret';
const SECRETS = {
  AIDOS_API_TOKENS: TOKEN,
  AIDOS_CLUSTER_KEY: 'cluster-key-0123456789abcdef0123456789',
  PGPASSWORD: 'pg-secret-password',
  AWS_SECRET_ACCESS_KEY: 'aws-secret',
};

let dir: string;

afterAll(async () => {
  await cleanupDaemons();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** NAME=value pairs of a live process, from /proc. */
async function environOf(pid: number): Promise<Record<string, string>> {
  const raw = await readFile(`/proc/${pid}/environ`, 'utf8');
  return Object.fromEntries(
    raw
      .split('\0')
      .filter(Boolean)
      .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
  );
}

describe('the environment an agent gets', () => {
  it('is a safe base, the profile env and pass_env, and the task variables: no daemon secrets', async () => {
    dir = await mkdtemp(join(tmpdir(), 'aidos-env-'));
    const file = writeStandinConfig(dir);
    const config = YAML.parse(readFileSync(file, 'utf8'));
    config.agents.profiles.standin.env = { FROM_PROFILE: 'yes' };
    config.agents.profiles.standin.pass_env = ['MODEL_API_KEY'];
    writeFileSync(file, YAML.stringify(config));
    const auth = { authorization: `Bearer ${TOKEN}` };
    const d = await startDaemon({
      args: ['--config', file],
      env: { ...SECRETS, MODEL_API_KEY: 'model-key', UNRELATED: 'x', LANG: 'C.UTF-8', TZ: 'UTC' },
    });
    const submitted = await api<{ task: { id: string } }>(
      d.url,
      'POST',
      '/api/v1/tasks',
      { message: 'hang' },
      auth,
    );
    expect(submitted.status).toBe(201);
    const id = submitted.body.task.id;
    const pid = await waitFor(
      async () => {
        const res = await api<{ events: TaskEvent[] }>(d.url, 'GET', `/api/v1/tasks/${id}`, undefined, auth);
        return res.body.events.find((e) => e.kind === 'started')?.detail.pid as number | undefined;
      },
      20_000,
      'the agent to start',
    );
    const env = await environOf(pid);
    for (const [name, value] of Object.entries(SECRETS)) {
      expect(env[name], name).toBeUndefined();
      expect(Object.values(env)).not.toContain(value);
    }
    expect(
      Object.keys(env).filter((k) => k.startsWith('AIDOS_') && !/^AIDOS_(TASK_|ATTEMPT$|FENCE$)/.test(k)),
    ).toEqual([]);
    expect(env.UNRELATED).toBeUndefined();
    expect(env.MODEL_API_KEY).toBe('model-key');
    expect(env.FROM_PROFILE).toBe('yes');
    expect(env.PATH).toBe(process.env.PATH);
    expect(env.LANG).toBe('C.UTF-8');
    expect(env.TZ).toBe('UTC');
    expect(env.TMPDIR).toContain(id);
    expect(env.AIDOS_TASK_ID).toBe(id);
    expect(env.AIDOS_TASK_ATTEMPT).toBe('1');
    expect(Number(env.AIDOS_TASK_FENCE)).toBeGreaterThan(0);
    await api(d.url, 'POST', `/api/v1/tasks/${id}/cancel`, {}, auth);
  });

  it('refuses pass_env naming an AIDOS_* variable, naming the key', async () => {
    const d = startDaemon({ args: ['--set', 'agents.pass_env=["AIDOS_API_TOKENS"]'], waitReady: false });
    const proc = await d;
    const exit = await proc.exited;
    expect(exit.code).toBe(78);
    expect(proc.output()).toContain('agents.pass_env');
  });
});
