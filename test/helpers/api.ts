import type { Task, TaskEvent } from '../../shared/tasks.js';
import { waitFor } from './wait.js';

/** A raw API call: status and parsed body. */
export async function api<T = Record<string, unknown>>(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}

export async function submit(base: string, body: Record<string, unknown>): Promise<Task> {
  const res = await api<{ task: Task }>(base, 'POST', '/api/v1/tasks', body);
  if (res.status !== 201 && res.status !== 200)
    throw new Error(`submit failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.task;
}

export async function getTask(base: string, id: string): Promise<{ task: Task; events: TaskEvent[] }> {
  const res = await api<{ task: Task; events: TaskEvent[] }>(base, 'GET', `/api/v1/tasks/${id}`);
  if (res.status !== 200) throw new Error(`get ${id}: ${res.status}`);
  return res.body;
}

const FINAL = ['succeeded', 'failed', 'cancelled', 'dead'];

/** Waits until the task is in one of `states` (default: any final state). */
export async function waitForState(base: string, id: string, states: string[] = FINAL, timeoutMs = 20_000) {
  return waitFor(
    async () => {
      const detail = await getTask(base, id);
      return states.includes(detail.task.state) ? detail : undefined;
    },
    timeoutMs,
    `task ${id} to reach ${states.join('|')}`,
  );
}
