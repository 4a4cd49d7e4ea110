import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAidos } from '../helpers/cli.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'aidos-cluster-config-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const daemon = (args: string[], env: Record<string, string> = {}) =>
  runAidos(['daemon', '--data-dir', dir, '--listen', '127.0.0.1:0', ...args], {
    AIDOS_LOG_LEVEL: 'warn',
    ...env,
  });

describe('cluster configuration', () => {
  it('a seed that is not host:port is refused at start (exit 78), naming cluster.join', async () => {
    const r = await daemon(['--join', 'just-a-name'], { AIDOS_CLUSTER_KEY: 'k'.repeat(32) });
    expect(r.code).toBe(78);
    expect(r.stderr).toContain('cluster.join');
    expect(r.stderr).toContain('host:port');
  });

  it('joining without a cluster key is refused, naming cluster.join', async () => {
    const r = await daemon(['--join', '127.0.0.1:7420']);
    expect(r.code).toBe(78);
    expect(r.stderr).toContain('cluster.join: joining a cluster needs cluster.key');
  });

  it('an unknown profile and a short key name their keys', async () => {
    const profile = await daemon(['--set', 'cluster.profile=moon']);
    expect(profile.code).toBe(78);
    expect(profile.stderr).toContain('cluster.profile');
    const key = await daemon([], { AIDOS_CLUSTER_KEY: 'short' });
    expect(key.code).toBe(78);
    expect(key.stderr).toContain('cluster.key');
  });
});
