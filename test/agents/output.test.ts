import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AgentSupervisor } from '../../daemon/agents/index.js';
import { standinProfile, tempDir } from '../helpers/agents.js';

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const MB = 1024 * 1024;

describe('huge agent output', () => {
  it('keeps daemon memory bounded, rotates the log and still finds the envelope', async () => {
    const tmp = tempDir();
    const supervisor = new AgentSupervisor({
      journalDir: join(tmp.dir, 'j'),
      logMaxBytes: 2 * MB,
      ringLines: 50,
    });
    cleanups.push(tmp.cleanup, () => supervisor.stopAll('cleanup'));
    const base = process.memoryUsage().rss;
    let peak = base;
    const probe = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 10);
    cleanups.push(() => clearInterval(probe));
    const run = await supervisor.start({
      taskId: 'flood',
      attempt: 1,
      fence: 1,
      message: 'bigout:150 bigerr:50',
      profile: standinProfile(),
      workRoot: join(tmp.dir, 'w'),
      logDir: join(tmp.dir, 'l'),
    });
    const out = await run.done;
    clearInterval(probe);
    expect(out.kind).toBe('succeeded');
    expect(out.result?.final).toBe('done: bigout:150 bigerr:50');
    // 200 MB went through; holding it would add far more than this.
    expect(peak - base).toBeLessThan(80 * MB);
    const files = readdirSync(join(tmp.dir, 'l', 'flood')).sort();
    expect(files).toEqual(['attempt-1.log', 'attempt-1.log.1']);
    for (const f of files) expect(statSync(join(tmp.dir, 'l', 'flood', f)).size).toBeLessThanOrEqual(2 * MB);
    expect(run.recentLines().length).toBe(50);
  });
});
