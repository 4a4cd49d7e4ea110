import { describe, expect, it } from 'vitest';
import type { Task } from '../../shared/tasks.js';
import { TaskIndex } from '../../tui/fleet/task-index.js';

const task = (id: string, state: Task['state']) => ({ id, state }) as Task;

describe('TaskIndex', () => {
  it('keeps ids newest first, counts per state and the running set across changes', () => {
    const index = new TaskIndex();
    index.rebuild(
      new Map([
        ['t_02', task('t_02', 'queued')],
        ['t_01', task('t_01', 'running')],
      ]),
    );
    expect(index.order).toEqual(['t_02', 't_01']);
    const before = index.order;
    index.change(undefined, task('t_03', 'queued'));
    index.change(undefined, task('t_015', 'queued'));
    expect(index.order).toEqual(['t_03', 't_02', 't_015', 't_01']);
    expect(before).toEqual(['t_02', 't_01']);
    index.change(task('t_01', 'running'), task('t_01', 'succeeded'));
    index.change(task('t_03', 'queued'), task('t_03', 'running'));
    expect(index.counts).toMatchObject({ queued: 2, running: 1, succeeded: 1 });
    expect([...index.running]).toEqual(['t_03']);
  });
});
