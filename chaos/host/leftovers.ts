import { rm } from 'node:fs/promises';
import { message } from '../errors.js';
import type { Leftover } from '../faults/fault.js';
import { killHelper, resumeProcess } from '../faults/process.js';

/** Undoes what a dead host left behind; returns the errors (empty = all undone). */
export async function undoLeftovers(leftovers: Leftover[]): Promise<string[]> {
  const errors: string[] = [];
  for (const l of leftovers) {
    try {
      if (l.type === 'stopped-process') {
        const error = resumeProcess(l.pid, l.start_time);
        if (error) errors.push(error);
      } else if (l.type === 'helper-process') killHelper(l.pid, l.start_time);
      else await rm(l.path, { force: true });
    } catch (error) {
      errors.push(message(error));
    }
  }
  return errors;
}
