import type { HealthChange, HealthCheckEntry, HealthDocument, HealthStatus } from '../../shared/health.js';
import type { Task } from '../../shared/tasks.js';
import type { NodeRow } from './node-row.js';
import { type TaskCounts, TaskIndex } from './task-index.js';

/** How the link to the daemon is: connecting (first time), live, or stale (lost, data may be old). */
export type LinkState = 'connecting' | 'live' | 'stale';

/** One health check as the Health view shows it. */
export interface CheckRow {
  /** Check name (component:measurement). */
  name: string;
  /** Its latest status. */
  status: HealthStatus;
  /** Observed value with its unit, as text. */
  observed: string;
  /** Observed value when it is a number. */
  value: number | null;
  /** Why it warns or fails. */
  output: string;
  /** Statuses seen since the TUI attached, oldest first (the sparkline). */
  history: HealthStatus[];
}

/** One line of the Events view. */
export interface FleetEvent {
  /** Increasing number, for React keys. */
  seq: number;
  /** When it was seen (epoch ms). */
  at: number;
  /** task, health or link. */
  kind: 'task' | 'health' | 'link';
  /** What happened. */
  text: string;
  /** info, warn or error, for its colour. */
  level: 'info' | 'warn' | 'error';
}

/** Everything the views read; a new object on every change (tasks and checks maps are shared and versioned). */
export interface FleetSnapshot {
  /** Link to the daemon. */
  link: LinkState;
  /** URL of the daemon attached to (or, before the first attach, being tried). */
  url: string;
  /** While the link is down: another member's URL being tried now (fall-over), else null. */
  trying: string | null;
  /** Why the last connection attempt or link failed. */
  linkError: string | null;
  /** Node id of the attached daemon, once known. */
  nodeId: string | null;
  /** Tasks by id. */
  tasks: ReadonlyMap<string, Task>;
  /** Bumped whenever `tasks` changes. */
  tasksVersion: number;
  /** Bumped only when the set of task ids changes (a new task, a snapshot), so orderings can be kept. */
  idsVersion: number;
  /** Task ids, newest first (the same array until the set of ids changes). */
  taskOrder: readonly string[];
  /** Tasks per state. */
  taskCounts: TaskCounts;
  /** Ids of the running tasks (shared and mutated; read it with `tasksVersion`). */
  running: ReadonlySet<string>;
  /** Health checks by name. */
  checks: ReadonlyMap<string, CheckRow>;
  /** Overall health of the attached daemon. */
  health: HealthStatus | null;
  /** Members (one row until the daemon has a `nodes` topic). */
  nodes: NodeRow[];
  /** The append-only stream, newest last, bounded. */
  events: FleetEvent[];
  /** When the last pushed frame arrived (epoch ms). */
  lastFrameAt: number | null;
}

/** Most events kept. */
export const MAX_EVENTS = 2000;
/** Most points of a check's sparkline. */
export const MAX_HISTORY = 40;

function observedText(
  entry: HealthCheckEntry | { observedValue?: unknown; observedUnit?: string | null },
): string {
  const v = entry.observedValue;
  if (v === undefined || v === null) return '';
  return `${String(v)}${entry.observedUnit ? ` ${entry.observedUnit}` : ''}`;
}

/** Holds the fleet state, applies pushed frames to it, and tells subscribers (coalesced per tick). */
export class FleetStore {
  private state: FleetSnapshot;
  private readonly tasks = new Map<string, Task>();
  private readonly index = new TaskIndex();
  private readonly checks = new Map<string, CheckRow>();
  private readonly listeners = new Set<() => void>();
  private seq = 0;
  private scheduled = false;

  constructor(url: string) {
    this.state = {
      link: 'connecting',
      url,
      trying: null,
      linkError: null,
      nodeId: null,
      tasks: this.tasks,
      tasksVersion: 0,
      idsVersion: 0,
      taskOrder: this.index.order,
      taskCounts: this.index.counts,
      running: this.index.running,
      checks: this.checks,
      health: null,
      nodes: [],
      events: [],
      lastFrameAt: null,
    };
  }

  /** For useSyncExternalStore. */
  readonly getSnapshot = (): FleetSnapshot => this.state;

  /** For useSyncExternalStore. */
  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  private update(patch: Partial<FleetSnapshot>): void {
    this.state = { ...this.state, ...patch };
    // Many frames can arrive in one tick (a snapshot, a burst of changes): render once for all.
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      for (const l of this.listeners) l();
    });
  }

  /** Appends to the event stream. */
  event(kind: FleetEvent['kind'], text: string, level: FleetEvent['level'] = 'info'): void {
    const events = [...this.state.events, { seq: ++this.seq, at: Date.now(), kind, text, level }];
    this.update({ events: events.length > MAX_EVENTS ? events.slice(-MAX_EVENTS) : events });
  }

  private bumped(
    newIds: boolean,
  ): Pick<FleetSnapshot, 'tasksVersion' | 'idsVersion' | 'taskOrder' | 'taskCounts'> {
    const { tasksVersion, idsVersion } = this.state;
    return {
      tasksVersion: tasksVersion + 1,
      idsVersion: newIds ? idsVersion + 1 : idsVersion,
      taskOrder: this.index.order,
      taskCounts: this.index.counts,
    };
  }

  /** Forgets the fleet (another context): the old cluster's rows must not show under the new name. */
  reset(url: string): void {
    this.tasks.clear();
    this.index.rebuild(this.tasks);
    this.checks.clear();
    this.update({
      url,
      trying: null,
      link: 'connecting',
      linkError: null,
      nodeId: null,
      nodes: [],
      health: null,
      ...this.bumped(true),
    });
  }

  /** The link changed. */
  setLink(link: LinkState, url: string, error: string | null = null): void {
    // Until another daemon answers, the header keeps naming the one the rows came from.
    if (link === 'live' || this.state.nodeId === null)
      this.update({ link, url, trying: null, linkError: error });
    else this.update({ link, trying: url === this.state.url ? null : url, linkError: error });
  }

  /** The tasks topic's snapshot: it replaces what the TUI holds (a stale copy must not linger). */
  tasksSnapshot(tasks: Task[]): void {
    this.tasks.clear();
    for (const t of tasks) this.tasks.set(t.id, t);
    this.index.rebuild(this.tasks);
    this.update({ ...this.bumped(true), lastFrameAt: Date.now() });
  }

  /** Older tasks paged in after the snapshot; never overwrite a newer copy a change brought. */
  tasksPage(tasks: Task[]): void {
    let added = false;
    for (const t of tasks) {
      const known = this.tasks.get(t.id);
      added ||= !known;
      if (!known || known.updated_at < t.updated_at) this.tasks.set(t.id, t);
    }
    this.index.rebuild(this.tasks);
    this.update(this.bumped(added));
  }

  /** One task changed. */
  taskChange(task: Task): void {
    const before = this.tasks.get(task.id);
    // Changes come from the attached node and, read back from the store, from its peers: a copy
    // read before a change the attached node already pushed must not roll the row back.
    if (before && before.updated_at > task.updated_at) return;
    this.tasks.set(task.id, task);
    this.index.change(before, task);
    this.update({ ...this.bumped(!before), lastFrameAt: Date.now() });
    if (before?.state !== task.state) {
      const where = task.node_id ? ` on ${task.node_id}` : '';
      const level = task.state === 'failed' || task.state === 'dead' ? 'error' : 'info';
      this.event(
        'task',
        `${task.id} ${before ? `${before.state} → ` : ''}${task.state}${where} (attempt ${task.attempt})`,
        level,
      );
    }
  }

  /** The health topic's snapshot: the deep document. */
  healthSnapshot(doc: HealthDocument): void {
    for (const [name, entries] of Object.entries(doc.checks ?? {})) {
      const entry = entries[0];
      if (!entry) continue;
      const history = [...(this.checks.get(name)?.history ?? []), entry.status].slice(-MAX_HISTORY);
      this.checks.set(name, {
        name,
        status: entry.status,
        observed: observedText(entry),
        value: typeof entry.observedValue === 'number' ? entry.observedValue : null,
        output: entry.output ?? '',
        history,
      });
    }
    this.update({ health: doc.status, checks: this.checks, lastFrameAt: Date.now() });
  }

  /** One health status change (the alert payload). */
  healthChange(change: HealthChange): void {
    const prev = this.checks.get(change.check);
    this.checks.set(change.check, {
      name: change.check,
      status: change.to,
      observed: observedText({ observedValue: change.observed_value, observedUnit: change.observed_unit }),
      value: typeof change.observed_value === 'number' ? change.observed_value : null,
      output: change.output ?? '',
      history: [...(prev?.history ?? []), change.to].slice(-MAX_HISTORY),
    });
    const worst = [...this.checks.values()].reduce<HealthStatus>(
      (w, c) => (c.status === 'fail' || w === 'fail' ? 'fail' : c.status === 'warn' ? 'warn' : w),
      'pass',
    );
    this.update({ health: worst, checks: this.checks, lastFrameAt: Date.now() });
    const level = change.to === 'fail' ? 'error' : change.to === 'warn' ? 'warn' : 'info';
    this.event(
      'health',
      `${change.check} ${change.from ?? 'new'} → ${change.to}${change.output ? `: ${change.output}` : ''}`,
      level,
    );
  }

  /** Members changed. */
  setNodes(nodes: NodeRow[], nodeId: string | null): void {
    this.update({ nodes, nodeId });
  }
}
