import { readFileSync } from 'node:fs';
import { type Command, InvalidArgumentError } from 'commander';
import type { SubmitTaskRequest } from '../../shared/api/tasks.js';
import { AidosClient } from '../../shared/client/client.js';
import { ClientError } from '../../shared/client/errors.js';
import { WsClient } from '../../shared/client/ws-client.js';
import type { EventFrame } from '../../shared/protocol.js';
import { FINAL_TASK_STATES, type Task, type TaskEvent, type TaskState } from '../../shared/tasks.js';
import { addClientFlags, type ClientFlagValues, clientOptions, intArg, positiveArg } from './client-flags.js';
import { printJson, table } from './output.js';
import { waitForTask } from './task-wait.js';

/** Exit codes of `aidos task …`: 1 the task did not succeed, 2 the daemon refused the request, 3 unreachable. */
export const TASK_EXIT = { taskUnsuccessful: 1, rejected: 2, unreachable: 3 } as const;

function run<A extends unknown[]>(action: (...args: A) => Promise<void>) {
  return async (...args: A) => {
    try {
      await action(...args);
    } catch (error) {
      if (!(error instanceof ClientError)) throw error;
      process.stderr.write(`aidos: ${error.message}\n`);
      process.exit(error.status >= 400 && error.status < 500 ? TASK_EXIT.rejected : TASK_EXIT.unreachable);
    }
  };
}

function addWaitFlags(cmd: Command): Command {
  return cmd
    .option('--wait', 'wait until it ends; exit 1 unless it succeeded')
    .option(
      '--wait-timeout <seconds>',
      'give up waiting after this long',
      positiveArg('--wait-timeout'),
      3600,
    );
}

function pairArg(flag: string) {
  return (value: string, previous: Record<string, string> = {}): Record<string, string> => {
    const eq = value.indexOf('=');
    if (eq <= 0) throw new InvalidArgumentError(`${flag} must be key=value`);
    return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
  };
}
const labelArg = pairArg('--label');
const requireArg = pairArg('--require');

const time = (ms: number | null) => (ms ? new Date(ms).toISOString().replace('T', ' ').slice(0, 19) : null);

function printTask(task: Task, events: TaskEvent[] = [], waiting?: string): void {
  const required = Object.entries(task.require ?? {}).map(([k, v]) => `${k}=${v}`);
  const fields: [string, unknown][] = [
    ['id', task.id],
    ['state', task.state],
    ['profile', task.profile],
    ['attempt', `${task.attempt}/${task.max_attempts}`],
    ['priority', task.priority],
    ['node', task.node_id],
    ['pinned', task.pin_node],
    ['requires', required.length ? required.join(', ') : null],
    ['waiting', waiting],
    ['created', time(task.created_at)],
    ['finished', time(task.finished_at)],
    ['error', task.error],
    ['final', (task.result as { final?: string } | null)?.final],
  ];
  for (const [k, v] of fields)
    if (v !== null && v !== undefined) process.stdout.write(`${k.padEnd(9)} ${v}\n`);
  if (events.length) {
    process.stdout.write('\n');
    process.stdout.write(
      `${table(
        ['AT', 'EVENT', 'NODE', 'ATTEMPT'],
        events.map((e) => [time(e.at), e.kind, e.node_id, e.attempt]),
      )}\n`,
    );
  }
}

function exitForTask(task: Task): void {
  if (task.state !== 'succeeded') process.exitCode = TASK_EXIT.taskUnsuccessful;
}

async function followLogs(flags: ClientFlagValues, id: string): Promise<void> {
  const ws = new WsClient(clientOptions(flags));
  const ended = new Promise<void>((resolve) => {
    ws.onEvent((event: EventFrame) => {
      if (event.topic === 'logs') {
        const data = event.data as { lines?: { text: string }[]; text?: string; ended?: boolean };
        for (const line of data.lines ?? []) process.stdout.write(`${line.text}\n`);
        if (data.text !== undefined) process.stdout.write(`${data.text}\n`);
        if (event.kind === 'snapshot' && data.ended) resolve();
      }
      if (event.topic === 'tasks' && event.kind === 'change') {
        const task = event.data as Task;
        if (task.id === id && FINAL_TASK_STATES.includes(task.state)) resolve();
      }
    });
  });
  await ws.subscribe(['tasks']);
  await ws.subscribe(['logs'], id);
  await Promise.race([ended, ws.closed]);
  ws.close();
}

/** `aidos task submit|list|show|cancel|retry|logs`. */
export function registerTaskCommand(program: Command): void {
  const task = program.command('task').description('submit and inspect agent tasks on a running daemon');

  addWaitFlags(
    addClientFlags(
      task
        .command('submit')
        .description('submit a task; prints its id (or the task with --json)')
        .option('-m, --message <text>', 'the prompt for the agent')
        .option('--message-file <file>', 'read the prompt from a file')
        .option('-p, --profile <name>', 'agent profile')
        .option('--priority <n>', 'higher runs first (-1000..1000)', intArg('--priority', -1000, 1000))
        .option('--max-attempts <n>', 'runs before dead-lettering (1..100)', intArg('--max-attempts', 1, 100))
        .option('--timeout <seconds>', 'time limit of one run', positiveArg('--timeout'))
        .option('--label <key=value>', 'label (repeatable)', labelArg)
        .option('--node <id>', 'run only on this node')
        .option('--require <key=value>', 'run only on nodes with this label (repeatable)', requireArg)
        .option('--idempotency-key <key>', 'a second submit with the same key returns the first task')
        .option('--run-after <time>', 'ISO 8601 time before which it does not start'),
    ),
  ).action(
    run(async (flags: ClientFlagValues & Record<string, unknown>) => {
      if (!flags.message === !flags.messageFile)
        throw new InvalidArgumentError('give exactly one of --message or --message-file');
      const message =
        (flags.message as string | undefined) ?? readFileSync(flags.messageFile as string, 'utf8');
      // Flags are checked by commander; the daemon validates the request itself.
      const body = {
        message,
        ...(flags.profile ? { profile: flags.profile } : {}),
        ...(flags.priority !== undefined ? { priority: flags.priority } : {}),
        ...(flags.maxAttempts !== undefined ? { max_attempts: flags.maxAttempts } : {}),
        ...(flags.timeout !== undefined ? { timeout_s: flags.timeout } : {}),
        ...(flags.label ? { labels: flags.label } : {}),
        ...(flags.node ? { node: flags.node } : {}),
        ...(flags.require ? { require: flags.require } : {}),
        ...(flags.idempotencyKey ? { idempotency_key: flags.idempotencyKey } : {}),
        ...(flags.runAfter ? { run_after: flags.runAfter } : {}),
      } as SubmitTaskRequest;
      const options = clientOptions(flags);
      const { task: submitted } = await new AidosClient(options).submitTask(body);
      const final = flags.wait
        ? await waitForTask(options, submitted.id, (flags.waitTimeout as number) * 1000)
        : submitted;
      if (flags.json) printJson(final);
      else if (flags.wait) printTask(final);
      else process.stdout.write(`${submitted.id}\n`);
      if (flags.wait) exitForTask(final);
    }),
  );

  addClientFlags(
    task
      .command('list')
      .description('list tasks, newest first')
      .option('--state <states>', 'comma-separated states (queued,running,succeeded,failed,cancelled,dead)')
      .option('--label <key=value>', 'only tasks with this label')
      .option('--limit <n>', 'at most this many (1..1000)', intArg('--limit', 1, 1000), 50)
      .option('--before <id>', 'page: tasks older than this id'),
  ).action(
    run(
      async (
        flags: ClientFlagValues & { state?: string; label?: string; limit: number; before?: string },
      ) => {
        const page = await new AidosClient(clientOptions(flags)).listTasks({
          limit: flags.limit,
          ...(flags.state ? { state: flags.state.split(',') as TaskState[] } : {}),
          ...(flags.label ? { label: flags.label } : {}),
          ...(flags.before ? { before: flags.before } : {}),
        });
        if (flags.json) return printJson(page);
        process.stdout.write(
          `${table(
            ['ID', 'STATE', 'PROFILE', 'ATTEMPT', 'PRIO', 'NODE', 'CREATED', 'MESSAGE'],
            page.tasks.map((t) => [
              t.id,
              t.state,
              t.profile,
              `${t.attempt}/${t.max_attempts}`,
              t.priority,
              t.node_id,
              time(t.created_at),
              t.message.slice(0, 40).replace(/\s+/g, ' '),
            ]),
          )}\n`,
        );
        if (page.next) process.stdout.write(`(more: --before ${page.next})\n`);
      },
    ),
  );

  addWaitFlags(addClientFlags(task.command('show <id>').description('show a task and its history'))).action(
    run(async (id: string, flags: ClientFlagValues & { wait?: boolean; waitTimeout: number }) => {
      const options = clientOptions(flags);
      if (flags.wait) await waitForTask(options, id, flags.waitTimeout * 1000);
      const detail = await new AidosClient(options).getTask(id);
      if (flags.json) printJson(detail);
      else printTask(detail.task, detail.events, detail.waiting);
      if (flags.wait) exitForTask(detail.task);
    }),
  );

  for (const verb of ['cancel', 'retry'] as const) {
    const cmd = task
      .command(`${verb} <id>`)
      .description(
        verb === 'cancel'
          ? 'cancel a queued or running task'
          : 'queue a failed, dead or cancelled task again',
      );
    if (verb === 'cancel') cmd.option('--reason <text>', 'why, for the history');
    addClientFlags(cmd).action(
      run(async (id: string, flags: ClientFlagValues & { reason?: string }) => {
        const client = new AidosClient(clientOptions(flags));
        const { task: t } =
          verb === 'cancel' ? await client.cancelTask(id, flags.reason) : await client.retryTask(id);
        if (flags.json) printJson(t);
        else
          process.stdout.write(
            `${t.id} ${t.state}${t.cancel_requested && t.state === 'running' ? ' (cancel requested)' : ''}\n`,
          );
      }),
    );
  }

  addClientFlags(
    task
      .command('logs <id>')
      .description('print a task’s agent output')
      .option('--attempt <n>', 'which attempt (default: latest)', intArg('--attempt', 1, 1000))
      .option('--tail <n>', 'last N lines (1..10000)', intArg('--tail', 1, 10_000), 200)
      .option('-f, --follow', 'keep printing new output until the task ends'),
  ).action(
    run(
      async (id: string, flags: ClientFlagValues & { attempt?: number; tail: number; follow?: boolean }) => {
        if (flags.follow) return followLogs(flags, id);
        const logs = await new AidosClient(clientOptions(flags)).taskLogs({
          id,
          tail: flags.tail,
          ...(flags.attempt ? { attempt: flags.attempt } : {}),
        });
        if (flags.json) return printJson(logs);
        for (const line of logs.lines) process.stdout.write(`${line.text}\n`);
      },
    ),
  );
}
