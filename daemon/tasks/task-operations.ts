import {
  cancelTaskSchema,
  listTasksSchema,
  submitTaskSchema,
  taskIdSchema,
  taskLogsSchema,
} from '../../shared/api/tasks.js';
import { type Operation, operation } from '../api/operation.js';
import type { TaskLogReader } from './task-logs.js';
import type { TaskService } from './task-service.js';

/** task.* operations. */
export function taskOperations(service: TaskService, logs: TaskLogReader): Operation[] {
  return [
    operation({ name: 'task.submit', input: submitTaskSchema, handle: (input) => service.submit(input) }),
    operation({ name: 'task.list', input: listTasksSchema, handle: (input) => service.list(input) }),
    operation({ name: 'task.get', input: taskIdSchema, handle: (input) => service.get(input.id) }),
    operation({
      name: 'task.cancel',
      input: cancelTaskSchema,
      handle: (input) => service.cancel(input).then((task) => ({ task })),
    }),
    operation({
      name: 'task.retry',
      input: taskIdSchema,
      handle: (input) => service.retry(input.id).then((task) => ({ task })),
    }),
    operation({
      name: 'task.logs',
      input: taskLogsSchema,
      handle: (input) => logs.read(input.id, input.attempt, input.tail ?? 200),
    }),
  ];
}
