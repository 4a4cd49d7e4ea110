import { type Command, InvalidArgumentError } from 'commander';
import { AidosClient } from '../../shared/client/client.js';
import { WsClient } from '../../shared/client/ws-client.js';
import type { EventFrame } from '../../shared/protocol.js';
import { FINAL_TASK_STATES, type Task, taskStateSchema } from '../../shared/tasks.js';
import { addClientFlags, type ClientFlagValues, clientOptions, durationArg, intArg } from './client-flags.js';
import { EXIT } from './exit-codes.js';
import type { TimeStyle } from './format.js';
import { examples } from './help.js';
import { readMessage } from './message-input.js';
import { printJson } from './output.js';
import { registerTaskMove } from './pool-commands.js';
import { renderTask, renderTaskList } from './task-display.js';
import { waitForTask } from './task-wait.js';
import { type ListFlags, listInput, watchTasks } from './task-watch.js';
import { parseWhen } from './time-arg.js';

function addWaitFlags(cmd: Command): Command {
  return cmd
    .option('--wait', 'wait until it ends; exit 1 unless it succeeded')
    .option(
      '--wait-timeout <duration>',
      'give up waiting after this long (e.g. 90s, 10m); exit 4',
      durationArg('--wait-timeout'),
      3_600_000,
    );
}

function addTimeFlags(cmd: Command): Command {
  return cmd.option('--utc', 'show times in UTC instead of the local zone');
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

function statesArg(value: string): string {
  const wanted = value.split(',').filter(Boolean);
  const bad = wanted.find((s) => !taskStateSchema.safeParse(s).success);
  if (bad !== undefined || wanted.length === 0)
    throw new InvalidArgumentError(
      `--state: "${bad ?? value}" is not a task state (${taskStateSchema.options.join(', ')})`,
    );
  return wanted.join(',');
}

function exitForTask(task: Task): void {
  if (task.state !== 'succeeded') process.exitCode = EXIT.taskUnsuccessful;
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

type SubmitFlags = ClientFlagValues &
  TimeStyle & {
    message?: string;
    messageFile?: string;
    profile?: string;
    priority?: number;
    maxAttempts?: number;
    timeout?: number;
    label?: Record<string, string>;
    node?: string;
    require?: Record<string, string>;
    idempotencyKey?: string;
    runAfter?: number;
    wait?: boolean;
    waitTimeout: number;
  };

function registerSubmit(task: Command): void {
  const cmd = task
    .command('submit')
    .description('submit a task; prints its id (or the task with --json)')
    .option('-m, --message <text>', 'the prompt for the agent')
    .option('--message-file <file>', 'read the prompt from a file (- for stdin)')
    .option('-p, --profile <name>', 'agent profile')
    .option('--priority <n>', 'higher runs first (-1000..1000)', intArg('--priority', -1000, 1000))
    .option('--max-attempts <n>', 'runs before dead-lettering (1..100)', intArg('--max-attempts', 1, 100))
    .option('--timeout <duration>', 'time limit of one run (e.g. 90s, 10m)', durationArg('--timeout'))
    .option('--label <key=value>', 'label (repeatable)', labelArg)
    .option('--node <id>', 'run only on this node')
    .option('--require <key=value>', 'run only on nodes with this label (repeatable)', requireArg)
    .option('--idempotency-key <key>', 'a second submit with the same key returns the first task')
    .option(
      '--run-after <time>',
      'do not start before: +10m, 2026-12-24, "2026-12-24 18:30", ISO 8601',
      (v) => parseWhen('--run-after', v),
    );
  examples(addTimeFlags(addWaitFlags(addClientFlags(cmd))), [
    'aidos task submit -m "summarise the open issues"',
    'aidos task submit --message-file prompt.txt --timeout 10m --label team=ops --wait',
    'echo "hello" | aidos task submit --message-file - --run-after +10m',
  ]).action(async (flags: SubmitFlags) => {
    const message = readMessage(flags);
    const body = {
      message,
      ...(flags.profile ? { profile: flags.profile } : {}),
      ...(flags.priority !== undefined ? { priority: flags.priority } : {}),
      ...(flags.maxAttempts !== undefined ? { max_attempts: flags.maxAttempts } : {}),
      ...(flags.timeout !== undefined ? { timeout_s: flags.timeout / 1000 } : {}),
      ...(flags.label ? { labels: flags.label } : {}),
      ...(flags.node ? { node: flags.node } : {}),
      ...(flags.require ? { require: flags.require } : {}),
      ...(flags.idempotencyKey ? { idempotency_key: flags.idempotencyKey } : {}),
      ...(flags.runAfter !== undefined ? { run_after: flags.runAfter } : {}),
    };
    const options = clientOptions(flags);
    const { task: submitted } = await new AidosClient(options).submitTask(body);
    const final = flags.wait ? await waitForTask(options, submitted.id, flags.waitTimeout) : submitted;
    if (flags.json) printJson(final);
    else if (flags.wait) process.stdout.write(`${renderTask(final, [], flags)}\n`);
    else process.stdout.write(`${submitted.id}\n`);
    if (flags.wait) exitForTask(final);
  });
}

function registerList(task: Command): void {
  const cmd = task
    .command('list')
    .description('list tasks, newest first')
    .option(
      '--state <states>',
      'comma-separated states (queued,running,succeeded,failed,cancelled,dead)',
      statesArg,
    )
    .option('--label <key=value>', 'only tasks with this label')
    .option('--limit <n>', 'at most this many (1..1000)', intArg('--limit', 1, 1000), 50)
    .option('--before <id>', 'page: tasks older than this id')
    .option('-w, --watch', 'keep the list on screen, redrawn as tasks change (Ctrl-C to stop)');
  examples(addTimeFlags(addClientFlags(cmd)), [
    'aidos task list',
    'aidos task list --state running,queued --watch',
    'aidos task list --label team=ops --json | jq ".tasks[].id"',
  ]).action(async (flags: ListFlags) => {
    if (flags.watch) return watchTasks(flags);
    const page = await new AidosClient(clientOptions(flags)).listTasks(listInput(flags));
    if (flags.json) return printJson(page);
    process.stdout.write(`${renderTaskList(page.tasks, flags)}\n`);
    if (page.next) process.stdout.write(`(more: --before ${page.next})\n`);
  });
}

function registerShow(task: Command): void {
  const cmd = task.command('show <id>').description('show a task, its attempts and its history');
  examples(addTimeFlags(addWaitFlags(addClientFlags(cmd))), [
    'aidos task show t_01jabc',
    'aidos task show t_01jabc --wait --wait-timeout 5m',
    'aidos task show t_01jabc --utc --json',
  ]).action(
    async (id: string, flags: ClientFlagValues & TimeStyle & { wait?: boolean; waitTimeout: number }) => {
      const options = clientOptions(flags);
      if (flags.wait) await waitForTask(options, id, flags.waitTimeout);
      const detail = await new AidosClient(options).getTask(id);
      if (flags.json) printJson(detail);
      else process.stdout.write(`${renderTask(detail.task, detail.events, flags, detail.waiting)}\n`);
      if (flags.wait) exitForTask(detail.task);
    },
  );
}

function registerCancelRetry(task: Command): void {
  for (const verb of ['cancel', 'retry'] as const) {
    const cmd = task
      .command(`${verb} <id>`)
      .description(
        verb === 'cancel'
          ? 'cancel a queued or running task'
          : 'queue a failed, dead or cancelled task again',
      );
    if (verb === 'cancel') cmd.option('--reason <text>', 'why, for the history');
    examples(
      addClientFlags(cmd),
      verb === 'cancel'
        ? ['aidos task cancel t_01jabc --reason "wrong prompt"']
        : ['aidos task retry t_01jabc', 'aidos task retry t_01jabc --json'],
    ).action(async (id: string, flags: ClientFlagValues & { reason?: string }) => {
      const client = new AidosClient(clientOptions(flags));
      const { task: t } =
        verb === 'cancel' ? await client.cancelTask(id, flags.reason) : await client.retryTask(id);
      if (flags.json) printJson(t);
      else
        process.stdout.write(
          `${t.id} ${t.state}${t.cancel_requested && t.state === 'running' ? ' (cancel requested)' : ''}\n`,
        );
    });
  }
}

function registerLogs(task: Command): void {
  const cmd = task
    .command('logs <id>')
    .description('print a task’s agent output')
    .option('--attempt <n>', 'which attempt (default: latest)', intArg('--attempt', 1, 1000))
    .option('--tail <n>', 'last N lines (1..10000)', intArg('--tail', 1, 10_000), 200)
    .option('-f, --follow', 'keep printing new output until the task ends');
  examples(addClientFlags(cmd), [
    'aidos task logs t_01jabc',
    'aidos task logs t_01jabc --attempt 1 --tail 50',
    'aidos task logs t_01jabc -f',
  ]).action(
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
  );
}

/** `aidos task submit|list|show|cancel|retry|logs|move`. */
export function registerTaskCommand(program: Command): void {
  const task = examples(
    program.command('task').description('submit and inspect agent tasks on a running daemon'),
    ['aidos task submit -m "hello" --wait', 'aidos task list --watch'],
  );
  registerSubmit(task);
  registerList(task);
  registerShow(task);
  registerCancelRetry(task);
  registerLogs(task);
  registerTaskMove(task);
}
