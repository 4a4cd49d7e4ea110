import type { z } from 'zod';
import type { cancelTaskSchema, listTasksSchema, SubmitTaskRequest } from '../../shared/api/tasks.js';
import { newId } from '../../shared/ids.js';
import { FINAL_TASK_STATES, RETRYABLE_TASK_STATES } from '../../shared/tasks.js';
import { AidosError } from '../errors.js';
import type { TaskStore } from '../store/facets.js';
import type { NodeRecord, Task, TaskEvent } from '../store/types.js';
import { waitingReason } from './placement.js';
import type { TaskFeed } from './task-feed.js';

/** What the service needs to know about agent profiles. */
export interface ProfileCatalog {
  /** Every profile a task may name. */
  names(): string[];
  /** Profile used when a submit names none. */
  defaultProfile: string;
  /** The profile's run time limit, used when a submit gives none. */
  timeoutMs(name: string): number;
}

/** Service settings. */
export interface TaskServiceSettings {
  /** This node's id (for event logs). */
  nodeId: string;
  /** Attempts when a submit gives none. */
  defaultMaxAttempts: number;
}

/** Something that can stop a run on this node right away. */
export interface LocalCanceller {
  /** False when the task does not run here. */
  cancelLocal(taskId: string, reason: string): boolean;
}

/**
 * A repeated submit must describe the task its key already names; anything it states that
 * differs means the client reused a key for other work, which silently getting the old task hides.
 */
function sameSubmit(
  task: Task,
  input: SubmitTaskRequest,
  profile: string,
  runAfter: number | undefined,
): boolean {
  const sameMap = (a: Record<string, string>, b: Record<string, string>) =>
    Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([k, v]) => b[k] === v);
  const sameLabels = sameMap(input.labels ?? {}, task.labels);
  return (
    task.message === input.message &&
    task.profile === profile &&
    sameLabels &&
    (input.priority === undefined || task.priority === input.priority) &&
    (input.max_attempts === undefined || task.max_attempts === input.max_attempts) &&
    (input.timeout_s === undefined || task.timeout_ms === Math.round(input.timeout_s * 1000)) &&
    (runAfter === undefined || task.run_after === runAfter) &&
    (task.pin_node ?? undefined) === input.node &&
    sameMap(input.require ?? {}, task.require ?? {})
  );
}

/** The client-facing task operations; inputs arrive already validated against shared/api schemas. */
export class TaskService {
  constructor(
    private readonly store: TaskStore,
    private readonly profiles: ProfileCatalog,
    private readonly feed: TaskFeed,
    private readonly settings: TaskServiceSettings,
    private readonly canceller?: LocalCanceller,
    /** The cluster's node rows, to say why a placed task waits; no explanation without it. */
    private readonly listNodes?: () => Promise<NodeRecord[]>,
  ) {}

  async submit(input: SubmitTaskRequest): Promise<{ task: Task; created: boolean }> {
    const profile = input.profile ?? this.profiles.defaultProfile;
    if (!this.profiles.names().includes(profile)) {
      throw new AidosError(
        'input',
        `profile: unknown profile "${profile}" (known: ${this.profiles.names().join(', ')})`,
        { field: 'profile' },
      );
    }
    const runAfter =
      input.run_after === undefined
        ? undefined
        : typeof input.run_after === 'number'
          ? input.run_after
          : Date.parse(input.run_after);
    const result = await this.store.submitTask({
      id: newId('t'),
      profile,
      message: input.message,
      priority: input.priority ?? 0,
      max_attempts: input.max_attempts ?? this.settings.defaultMaxAttempts,
      timeout_ms:
        input.timeout_s === undefined ? this.profiles.timeoutMs(profile) : Math.round(input.timeout_s * 1000),
      labels: input.labels ?? {},
      ...(input.node ? { pin_node: input.node } : {}),
      ...(input.require ? { require: input.require } : {}),
      ...(runAfter === undefined ? {} : { run_after: runAfter }),
      ...(input.idempotency_key ? { idempotency_key: input.idempotency_key } : {}),
      node_id: this.settings.nodeId,
    });
    if (result.created) this.feed.publish(result.task);
    else if (!sameSubmit(result.task, input, profile, runAfter))
      throw new AidosError(
        'conflict',
        `idempotency_key: already used by task ${result.task.id} with a different request`,
        { field: 'idempotency_key' },
      );
    return result;
  }

  private async mustGet(id: string): Promise<Task> {
    const task = await this.store.getTask(id);
    if (!task) throw new AidosError('not_found', `id: no task ${id}`, { field: 'id' });
    return task;
  }

  async get(id: string): Promise<{ task: Task; events: TaskEvent[]; waiting?: string }> {
    const task = await this.mustGet(id);
    const events = await this.store.listTaskEvents(id);
    const placed = task.state === 'queued' && (task.pin_node || Object.keys(task.require ?? {}).length > 0);
    const waiting =
      placed && this.listNodes ? waitingReason(task, await this.listNodes(), Date.now()) : undefined;
    return { task, events, ...(waiting ? { waiting } : {}) };
  }

  async list(input: z.infer<typeof listTasksSchema>): Promise<{ tasks: Task[]; next: string | null }> {
    const limit = input.limit ?? 100;
    const eq = input.label?.indexOf('=') ?? -1;
    const tasks = await this.store.listTasks({
      limit,
      ...(input.state ? { states: input.state } : {}),
      ...(input.label ? { label: { key: input.label.slice(0, eq), value: input.label.slice(eq + 1) } } : {}),
      ...(input.before ? { before_id: input.before } : {}),
    });
    return { tasks, next: tasks.length === limit ? (tasks[tasks.length - 1]?.id ?? null) : null };
  }

  async cancel(input: z.infer<typeof cancelTaskSchema>): Promise<Task> {
    const before = await this.mustGet(input.id);
    if (FINAL_TASK_STATES.includes(before.state)) {
      throw new AidosError('conflict', `id: task ${input.id} already ended (${before.state})`, {
        field: 'id',
      });
    }
    const reason = input.reason ?? 'cancelled by request';
    const task = (await this.store.requestCancel(input.id, this.settings.nodeId, reason)) ?? before;
    if (task.state === 'running') this.canceller?.cancelLocal(task.id, reason);
    this.feed.publish(task);
    return task;
  }

  async retry(id: string): Promise<Task> {
    const before = await this.mustGet(id);
    const task = RETRYABLE_TASK_STATES.includes(before.state)
      ? await this.store.retryTask(id, this.settings.nodeId)
      : undefined;
    if (task?.state !== 'queued') {
      throw new AidosError(
        'conflict',
        `id: only failed, dead or cancelled tasks can be retried (task is ${(task ?? before).state})`,
        { field: 'id' },
      );
    }
    this.feed.publish(task);
    return task;
  }
}
