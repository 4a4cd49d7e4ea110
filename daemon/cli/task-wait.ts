import { ClientError } from '../../shared/client/errors.js';
import type { ClientOptions } from '../../shared/client/http-client.js';
import { WsClient } from '../../shared/client/ws-client.js';
import { FINAL_TASK_STATES, type Task } from '../../shared/tasks.js';

/** Waits (pushed events, no polling) until a task reaches a final state; rejects after timeoutMs. */
export async function waitForTask(options: ClientOptions, id: string, timeoutMs: number): Promise<Task> {
  const ws = new WsClient(options);
  try {
    return await new Promise<Task>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new ClientError(`timed out after ${timeoutMs} ms waiting for task ${id}`, 0)),
        timeoutMs,
      );
      const settle = (task: Task) => {
        if (task.id !== id || !FINAL_TASK_STATES.includes(task.state)) return;
        clearTimeout(timer);
        resolve(task);
      };
      ws.onTopic('tasks', (event) => {
        for (const task of event.kind === 'snapshot' ? event.data : [event.data]) settle(task);
      });
      // Subscribe first, then read the task, so a change between the two cannot be missed.
      ws.subscribe(['tasks'])
        .then(() => ws.call('task.get', { id }))
        .then(({ task }) => settle(task))
        .catch((error: unknown) => {
          clearTimeout(timer);
          reject(error);
        });
      void ws.closed.then(() => {
        clearTimeout(timer);
        reject(new ClientError('connection to the daemon closed while waiting', 0));
      });
    });
  } finally {
    ws.close();
  }
}
