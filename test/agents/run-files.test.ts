import { existsSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sweepRunFiles } from '../../daemon/agents/run-files.js';
import { tempDir } from '../helpers/agents.js';

const DAY = 86_400_000;
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

/** A task folder with one attempt inside, last touched `ageMs` ago. */
function taskFolder(root: string, name: string, ageMs: number): string {
  const path = join(root, name);
  mkdirSync(join(path, 'attempt-1', 'work'), { recursive: true });
  writeFileSync(join(path, 'attempt-1', 'message.md'), 'hello');
  const when = (Date.now() - ageMs) / 1000;
  utimesSync(path, when, when);
  return path;
}

describe('sweepRunFiles', () => {
  it('removes task folders untouched since the cutoff, and nothing else', async () => {
    const tmp = tempDir();
    cleanups.push(tmp.cleanup);
    const runs = join(tmp.dir, 'runs');
    const logs = join(tmp.dir, 'logs');
    const old = taskFolder(runs, 't_old', 10 * DAY);
    const oldLogs = taskFolder(logs, 't_old', 10 * DAY);
    const recent = taskFolder(runs, 't_recent', DAY);
    const liveButOld = taskFolder(runs, 't_live', 30 * DAY);
    const leftover = taskFolder(runs, 't_gone.deleting', 0);
    const looseFile = join(runs, 'note.txt');
    writeFileSync(looseFile, 'not a task folder');
    utimesSync(looseFile, (Date.now() - 10 * DAY) / 1000, (Date.now() - 10 * DAY) / 1000);

    const removed = await sweepRunFiles(
      [runs, logs, join(tmp.dir, 'missing')],
      Date.now() - 7 * DAY,
      (name) => name === 't_live',
    );

    expect(removed).toBe(2);
    expect([old, oldLogs, leftover].map(existsSync)).toEqual([false, false, false]);
    expect([recent, liveButOld, looseFile].map(existsSync)).toEqual([true, true, true]);
  });
});
