import type { OperationInput } from '../../shared/api/operations.js';
import { AidosClient } from '../../shared/client/client.js';
import { ClientError } from '../../shared/client/errors.js';
import { WsClient } from '../../shared/client/ws-client.js';
import type { TaskState } from '../../shared/tasks.js';
import { type ClientFlagValues, clientOptions } from './client-flags.js';
import type { TimeStyle } from './format.js';
import { renderTaskList } from './task-display.js';

/** Options of `aidos task list`. */
export type ListFlags = ClientFlagValues &
  TimeStyle & {
    /** Comma-separated states. */
    state?: string;
    /** key=value. */
    label?: string;
    /** Page size. */
    limit: number;
    /** Older than this id. */
    before?: string;
    /** Redraw on every change. */
    watch?: boolean;
  };

/** The task.list input the flags ask for (--state is validated when parsed). */
export function listInput(flags: ListFlags): OperationInput<'task.list'> {
  return {
    limit: flags.limit,
    ...(flags.state ? { state: flags.state.split(',') as TaskState[] } : {}),
    ...(flags.label ? { label: flags.label } : {}),
    ...(flags.before ? { before: flags.before } : {}),
  };
}

/**
 * `task list --watch`: the list, redrawn whenever the daemon pushes a task change (no polling).
 * On a terminal the screen is cleared per redraw; piped, each redraw is a block after a blank line.
 */
export async function watchTasks(flags: ListFlags): Promise<void> {
  const options = clientOptions(flags);
  const client = new AidosClient(options);
  const ws = new WsClient(options);
  let drawing = false;
  let again = false;
  const draw = async (): Promise<void> => {
    if (drawing) {
      again = true;
      return;
    }
    drawing = true;
    try {
      do {
        again = false;
        const page = await client.listTasks(listInput(flags));
        const body = flags.json ? JSON.stringify(page) : renderTaskList(page.tasks, flags);
        const head = process.stdout.isTTY ? '\x1b[2J\x1b[H' : '';
        process.stdout.write(`${head}${body}\n${flags.json ? '' : '\n'}`);
      } while (again);
    } finally {
      drawing = false;
    }
  };
  ws.onEvent((event) => {
    if (event.topic === 'tasks' && event.kind === 'change') void draw().catch(() => ws.close());
  });
  await ws.subscribe(['tasks']);
  await draw();
  let stopped = false;
  const stop = () => {
    stopped = true;
    ws.close();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await ws.closed;
  if (!stopped) throw new ClientError('connection to the daemon closed', 0);
}
