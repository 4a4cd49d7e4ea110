import { rm } from 'node:fs/promises';
import { message } from '../errors.js';
import type { FaultContext } from '../faults/context.js';
import type { Leftover } from '../faults/fault.js';
import { removeBlkioCgroup } from '../faults/io-throttle.js';
import { removeTbf } from '../faults/netns-bandwidth.js';
import { killHelper, resumeProcess } from '../faults/process.js';
import { restoreReplica } from '../faults/replica.js';

/** Undoes what a dead host left behind; returns the errors (empty = all undone). */
export async function undoLeftovers(leftovers: Leftover[], ctx: FaultContext): Promise<string[]> {
  const errors: string[] = [];
  for (const l of leftovers) {
    try {
      if (l.type === 'stopped-process') {
        const error = resumeProcess(l.pid, l.start_time);
        if (error) errors.push(error);
      } else if (l.type === 'helper-process') killHelper(l.pid, l.start_time);
      else if (l.type === 'file') await rm(l.path, { force: true });
      else if (l.type === 'tc-qdisc') await removeTbf(l.netns, l.device);
      else if (l.type === 'blkio-cgroup') await removeBlkioCgroup(l.path, l.back_to);
      else if (ctx.replica) await restoreReplica(ctx.replica, l.mode);
      else
        errors.push(`replica left ${l.mode === 'lag' ? 'paused' : 'stopped'}: no replica is configured now`);
    } catch (error) {
      errors.push(message(error));
    }
  }
  return errors;
}
