import type { Command } from 'commander';
import type { OperatorLogLine } from '../../shared/api/operator.js';
import { AidosClient } from '../../shared/client/client.js';
import { WsClient } from '../../shared/client/ws-client.js';
import type { EventFrame } from '../../shared/protocol.js';
import { FINAL_TASK_STATES, type Task } from '../../shared/tasks.js';
import { addClientFlags, type ClientFlagValues, clientOptions, intArg } from './client-flags.js';
import { formatTime, type TimeStyle } from './format.js';
import { examples } from './help.js';
import { printJson } from './output.js';
import { UsageError } from './usage.js';

/** Options of `aidos logs`. */
type LogsFlags = ClientFlagValues &
  TimeStyle & {
    /** One task's output. */
    task?: string;
    /** One service's output. */
    service?: string;
    /** Last N lines. */
    tail: number;
    /** Keep printing. */
    follow?: boolean;
  };

/** `2026-12-01 10:04:05 +01:00 service:gateway err| text`, in the spirit of `pm2 logs`. */
function formatLine(line: OperatorLogLine, style: TimeStyle): string {
  const stream = line.stream === 'stderr' ? 'err' : line.stream === 'stdout' ? 'out' : 'log';
  return `${formatTime(line.at, style) ?? '-'.padEnd(style.utc ? 20 : 25)} ${line.source} ${stream}| ${line.text}`;
}

function emptyNote(flags: LogsFlags): string {
  if (flags.task) return `(task ${flags.task} has no output yet)`;
  if (flags.service) return `(service ${flags.service} has no output yet)`;
  return '(no output: no service or agent on this node has written any yet)';
}

function query(flags: LogsFlags, since?: number) {
  return {
    tail: flags.tail,
    ...(flags.task ? { task: flags.task } : {}),
    ...(flags.service ? { service: flags.service } : {}),
    ...(since !== undefined ? { since } : {}),
  };
}

/** --task ID -f: the task's live output, pushed over the client WebSocket, until it ends. */
async function followTask(flags: LogsFlags, id: string): Promise<void> {
  const ws = new WsClient(clientOptions(flags));
  const print = (stream: OperatorLogLine['stream'], text: string) =>
    process.stdout.write(`${formatLine({ at: Date.now(), source: `task:${id}`, stream, text }, flags)}\n`);
  const ended = new Promise<void>((resolve) => {
    ws.onEvent((event: EventFrame) => {
      if (event.topic === 'logs' && event.kind === 'change') {
        const data = event.data as { stream?: OperatorLogLine['stream']; text?: string };
        if (data.text !== undefined) print(data.stream ?? 'log', data.text);
      }
      if (event.topic === 'logs' && event.kind === 'snapshot') {
        const data = event.data as {
          lines?: { stream: OperatorLogLine['stream']; text: string }[];
          ended?: boolean;
        };
        for (const line of data.lines ?? []) print(line.stream, line.text);
        if (data.ended) resolve();
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

/** Services (and the merged view) have no pushed feed: ask for what came since the last line, every second. */
async function followPolling(flags: LogsFlags, client: AidosClient, first: OperatorLogLine[]): Promise<void> {
  let since = Math.max(0, ...first.map((l) => l.at ?? 0));
  let seen = new Set(first.filter((l) => l.at === since).map((l) => `${l.source}|${l.stream}|${l.text}`));
  let stopped = false;
  const stop = () => {
    stopped = true;
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  while (!stopped) {
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const { lines } = await client.logs(query(flags, since));
    const fresh = lines.filter((l) => !(l.at === since && seen.has(`${l.source}|${l.stream}|${l.text}`)));
    for (const line of fresh) process.stdout.write(`${formatLine(line, flags)}\n`);
    if (fresh.length) {
      since = Math.max(since, ...fresh.map((l) => l.at ?? 0));
      seen = new Set(lines.filter((l) => l.at === since).map((l) => `${l.source}|${l.stream}|${l.text}`));
    }
  }
}

/** `aidos logs [-f] [--task ID | --service NAME]`: a merged, timestamped tail of agents and services. */
export function registerLogsCommand(program: Command): void {
  const cmd = program
    .command('logs')
    .description('print recent output of services and running agents, merged and timestamped')
    .option('--task <id>', 'only this task’s agent output')
    .option('--service <name>', 'only this service’s output')
    .option('-n, --tail <n>', 'last N lines (1..10000)', intArg('--tail', 1, 10_000), 100)
    .option('-f, --follow', 'keep printing new lines (Ctrl-C to stop; with --task, until it ends)')
    .option('--utc', 'show times in UTC instead of the local zone');
  examples(addClientFlags(cmd), [
    'aidos logs',
    'aidos logs -f --service gateway',
    'aidos logs --task t_01jabc -f',
  ]).action(async (flags: LogsFlags) => {
    if (flags.task && flags.service) throw new UsageError('give --task or --service, not both');
    const client = new AidosClient(clientOptions(flags));
    if (flags.follow && flags.task) return followTask(flags, flags.task);
    const { lines } = await client.logs(query(flags));
    if (flags.json && !flags.follow) return printJson({ lines });
    for (const line of lines) process.stdout.write(`${formatLine(line, flags)}\n`);
    // An empty tail says so (on stderr), rather than leaving a new user wondering whether it worked.
    if (!lines.length && !flags.follow) process.stderr.write(`${emptyNote(flags)}\n`);
    if (flags.follow) await followPolling(flags, client, lines);
  });
}
