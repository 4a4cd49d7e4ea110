import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readStat, reapSurvivors } from '../../daemon/agents/index.js';
import { AGENT_PARENT, isAlive, killQuietly, STANDIN, tempDir } from '../helpers/agents.js';
import { waitFor } from '../helpers/wait.js';

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A hanging stand-in in its own process group, as the supervisor would have left it. */
function startOrphan(): number {
  const child = spawn(process.execPath, [STANDIN, 'agent', 'exec', '--json', 'hang'], {
    detached: true,
    stdio: 'ignore',
  });
  child.unref();
  const pid = child.pid as number;
  cleanups.push(() => killQuietly(pid));
  return pid;
}

function journal(dir: string, taskId: string, pid: number, procStartTime: number): void {
  mkdirSync(dir, { recursive: true });
  const entry = { taskId, attempt: 2, fence: 9, pid, pgid: pid, procStartTime, startedAt: Date.now() };
  writeFileSync(join(dir, `${taskId}.json`), JSON.stringify(entry));
}

describe('agents never outlive their daemon', () => {
  it('kills the agent when its parent is SIGKILLed (parent-death signal)', async () => {
    const tmp = tempDir();
    cleanups.push(tmp.cleanup);
    const parent = spawn(process.execPath, [AGENT_PARENT, STANDIN, tmp.dir], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    cleanups.push(() => killQuietly(parent.pid as number));
    const [line] = (await once(parent.stdout, 'data')) as [Buffer];
    const agentPid = (JSON.parse(line.toString()) as { pid: number }).pid;
    cleanups.push(() => killQuietly(agentPid));
    await waitFor(() => readStat(agentPid)?.state === 'S', 5_000, 'agent to be up');
    parent.kill('SIGKILL');
    await waitFor(() => !isAlive(agentPid), 5_000, 'agent to die with its parent');
  });

  it('reapSurvivors kills a journaled survivor and spares a pid whose start time differs', async () => {
    const tmp = tempDir();
    cleanups.push(tmp.cleanup);
    const dir = join(tmp.dir, 'journal');
    const survivor = startOrphan();
    const stranger = startOrphan();
    await waitFor(() => readStat(survivor) && readStat(stranger), 5_000, 'orphans to start');
    journal(dir, 'survivor', survivor, (readStat(survivor) as { startTime: number }).startTime);
    // Same pid as a live process, but recorded earlier: a recycled pid must not be killed.
    journal(dir, 'recycled', stranger, (readStat(stranger) as { startTime: number }).startTime - 1);
    journal(dir, 'gone', 999_999_999, 1);

    const reaped = await reapSurvivors(dir, { graceMs: 1_000 });
    const byTask = Object.fromEntries(reaped.map((r) => [r.taskId, r]));
    expect(byTask.survivor).toEqual({
      taskId: 'survivor',
      attempt: 2,
      fence: 9,
      pid: survivor,
      killed: true,
    });
    expect(byTask.recycled).toMatchObject({ pid: stranger, killed: false });
    expect(byTask.gone).toMatchObject({ killed: false });
    expect(isAlive(survivor)).toBe(false);
    expect(isAlive(stranger)).toBe(true);
    expect(readdirSync(dir)).toEqual([]);
  });
});
