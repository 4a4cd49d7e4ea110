import { FINAL_TASK_STATES } from '../../shared/tasks.js';
import { runLogFile } from '../agents/layout.js';
import { readLogTail } from '../agents/log-file.js';
import { AidosError } from '../errors.js';
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
    if (!task) throw new AidosError('not_found', `id: no task ${id}`, { field: 'id' });
    const wanted = attempt ?? task.attempt;
    const running = this.live(id);
    if (running && running.attempt === wanted) {
      return { id, attempt: wanted, lines: running.recentLines().slice(-tail), ended: false };
    }
    if (wanted < 1) return { id, attempt: wanted, lines: [], ended: FINAL_TASK_STATES.includes(task.state) };
    const lines = readLogTail(runLogFile(this.logDir, id, wanted), tail);
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
