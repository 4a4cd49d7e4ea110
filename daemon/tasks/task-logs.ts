import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { safeName } from '../agents/safe-name.js';
import { ApiError } from '../server/api-error.js';
import type { TaskStore } from '../store/facets.js';
import type { TaskFeed } from './task-feed.js';

/** One output line. */
export interface LogLine {
  /** stdout or stderr for live lines; log for lines read back from the file (streams merged). */
  stream: 'stdout' | 'stderr' | 'log';
  /** The text without its newline. */
  text: string;
}

/** A run in progress on this node, as the log reader sees it. */
export interface LiveOutput {
  /** Its attempt number. */
  attempt: number;
  /** Recent lines, oldest first. */
  recentLines(): LogLine[];
  /** New lines as they come; returns unsubscribe. */
  subscribe(listener: (line: LogLine) => void): () => void;
}

const MAX_TAIL_BYTES = 4 * 1024 * 1024;

function tailOfFile(path: string, lines: number): string[] | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return undefined;
  }
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(size, MAX_TAIL_BYTES, lines * 1024);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    const text = buffer.toString('utf8');
    const all = text.split('\n');
    if (all[all.length - 1] === '') all.pop();
    if (length < size) all.shift();
    return all.slice(-lines);
  } finally {
    closeSync(fd);
  }
}

/** Serves task output: live lines for runs on this node, the log file's tail otherwise. */
export class TaskLogReader {
  constructor(
    private readonly store: TaskStore,
    private readonly logDir: string,
    private readonly live: (taskId: string) => LiveOutput | undefined,
    private readonly feed: TaskFeed,
  ) {}

  async read(id: string, attempt: number | undefined, tail: number) {
    const task = await this.store.getTask(id);
    if (!task) throw new ApiError('not_found', `id: no task ${id}`, 'id');
    const wanted = attempt ?? task.attempt;
    const running = this.live(id);
    if (running && running.attempt === wanted) {
      return { id, attempt: wanted, lines: running.recentLines().slice(-tail), ended: false };
    }
    if (wanted < 1)
      return { id, attempt: wanted, lines: [], ended: task.state !== 'queued' && task.state !== 'running' };
    const lines = tailOfFile(join(this.logDir, safeName(id), `attempt-${wanted}.log`), tail) ?? [];
    const ended =
      !(task.state === 'running' && task.attempt === wanted) &&
      !(task.state === 'queued' && task.attempt < wanted);
    return { id, attempt: wanted, lines: lines.map((text) => ({ stream: 'log' as const, text })), ended };
  }

  /**
   * Live lines of a task's runs on this node: the current one, and each later attempt as it
   * starts here (so following a queued or retried task works too). Returns unsubscribe.
   */
  follow(id: string, push: (line: LogLine) => void): () => void {
    let attached: { attempt: number; off: () => void } | undefined;
    const attach = () => {
      const run = this.live(id);
      if (!run || attached?.attempt === run.attempt) return;
      attached?.off();
      attached = { attempt: run.attempt, off: run.subscribe(push) };
    };
    attach();
    const offFeed = this.feed.subscribe((task) => {
      if (task.id === id && task.state === 'running') attach();
    });
    return () => {
      offFeed();
      attached?.off();
    };
  }
}
