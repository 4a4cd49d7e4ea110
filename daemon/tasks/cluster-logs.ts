import { FINAL_TASK_STATES } from '../../shared/tasks.js';
import type { ClusterLogLink, LogSource } from '../cluster/log-link.js';
import type { TaskStore } from '../store/facets.js';
import type { TaskFeed } from './task-feed.js';
import type { LiveOutput, LogLine, TaskLogReader } from './task-logs.js';

/** How often a follower looks where the task runs now (it may move, or start elsewhere later). */
const WHERE_EVERY_MS = 1_000;
/** Lines a peer sends first when it starts serving a follow. */
const REMOTE_TAIL = 200;

/** What following output across the cluster needs. */
export interface ClusterLogsDeps {
  /** To see where the task runs now. */
  store: TaskStore;
  /** This node's task changes (a followed task's end is published here when it ran elsewhere). */
  feed: TaskFeed;
  /** This node's own output (live runs, its log files). */
  reader: TaskLogReader;
  /** A run on this node, by task id. */
  live: (taskId: string) => LiveOutput | undefined;
  /** The peer link, when the cluster module runs (looked up per call). */
  link: () => ClusterLogLink | undefined;
  /** This node's id. */
  selfId: string;
}

/**
 * `aidos task logs -f` from any node: lines of runs on this node come from this node, lines of a
 * run on another node are proxied by that node over the peer link (never read from its disk).
 */
export class ClusterLogs {
  constructor(private readonly deps: ClusterLogsDeps) {}

  /** What this node serves to peers: the live output of a run here, until it ends here. */
  source(): LogSource {
    return (taskId, tail, sink) => {
      const run = this.deps.live(taskId);
      if (!run) {
        sink.ended();
        return () => {};
      }
      const recent = run.recentLines();
      sink.lines(tail > 0 ? recent.slice(-tail) : []);
      const offLines = run.subscribe((line) => sink.lines([line]));
      const offFeed = this.deps.feed.subscribe((task) => {
        if (task.id === taskId && !(task.state === 'running' && task.node_id === this.deps.selfId))
          sink.ended();
      });
      return () => {
        offLines();
        offFeed();
      };
    };
  }

  /** Follows a task's output wherever it runs, now and after a move or retry; returns unsubscribe. */
  follow(taskId: string, push: (line: LogLine) => void): () => void {
    const offLocal = this.deps.reader.follow(taskId, push);
    let owner: string | undefined;
    let stopRemote: (() => void) | undefined;
    let closed = false;
    let endPublished = false;
    const look = async (): Promise<void> => {
      const task = await this.deps.store.getTask(taskId).catch(() => undefined);
      if (!task || closed) return;
      if (FINAL_TASK_STATES.includes(task.state)) {
        stopRemote?.();
        stopRemote = undefined;
        // Its end happened on another node: tell this node's subscribers (the CLI stops on it).
        if (!endPublished && task.node_id !== this.deps.selfId) {
          endPublished = true;
          this.deps.feed.publish(task);
        }
        return;
      }
      const on = task.state === 'running' ? task.node_id : null;
      if (!on || on === this.deps.selfId || on === owner) return;
      stopRemote?.();
      owner = on;
      stopRemote = this.deps.link()?.follow(on, taskId, REMOTE_TAIL, {
        lines: (lines) => {
          for (const line of lines) push(line);
        },
        ended: () => {
          owner = undefined;
          stopRemote = undefined;
          void look();
        },
      });
      if (!stopRemote) owner = undefined;
    };
    void look();
    const timer = setInterval(() => void look(), WHERE_EVERY_MS);
    timer.unref();
    return () => {
      closed = true;
      clearInterval(timer);
      stopRemote?.();
      offLocal();
    };
  }
}
