// `npm run bench -- tui`: this process is the TUI (the App rendered by Ink as aidos-tui renders it:
// the same render options and Output, into a 160×45 in-memory TTY in colour, attached to a real
// daemon over /v1/client). It loads BENCH_TUI_TASKS queued tasks, measures the time from the tasks
// snapshot to the first full frame, then, while another process cancels tasks at BENCH_TUI_RATE per
// second through the daemon's API from a child process and the bench changes one of 99 simulated nodes per event, times
// every pushed task change from its arrival in the TUI's store to the first frame written after
// React rendered it. That phase runs twice, with Ink's own Output.get and with the TUI's
// (tui/app/fast-output.ts), for a ratio on the same machine at the same time; then the real
// aidos-tui binary starts in tmux on the same daemon for its time to a full frame and its RSS.
// Prints one JSON line.
import { execFileSync, spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { cleanupDaemons, startDaemon } from '../helpers/daemon-process.js';
import { writeStandinConfig } from '../helpers/standin-config.js';
import { waitFor } from '../helpers/wait.js';

const TASKS = Number(process.env.BENCH_TUI_TASKS ?? 10_000);
const RATE = Number(process.env.BENCH_TUI_RATE ?? 50);
const SECONDS = Number(process.env.BENCH_TUI_SECONDS ?? 10);
const NODES = Number(process.env.BENCH_TUI_NODES ?? 100);
const TUI_BIN = resolve('dist/tui/bin/aidos-tui.js');

/**
 * A simulated member for the Nodes view: one daemon cannot be 100 hosts, so the bench puts 99 rows
 * beside the real one in the TUI's own store and changes one per event (load, slots), as gossip would.
 */
function simNode(i: number, tick: number) {
  return {
    id: `sim-${String(i).padStart(3, '0')}`,
    address: `10.0.${i >> 8}.${i & 255}:7420`,
    state: 'alive',
    roles: ['api', 'worker'],
    slots: 8,
    used: (i + tick) % 9,
    cpu: (i * 7 + tick) % 100,
    rss: null,
    memory: (i * 3 + tick) % 100,
    health: 'pass' as const,
    draining: false,
    services: [],
    running: [],
    attached: false,
  };
}

/** The terminal Ink draws on: a TTY of a fixed size; each write of a frame's text is one frame. */
class BenchTerminal extends EventEmitter {
  readonly isTTY = true;
  frames = 0;
  /** The text of the last frame. */
  last = '';
  onFrame = () => {};
  constructor(
    readonly columns: number,
    readonly rows: number,
  ) {
    super();
  }
  write = (data: string): boolean => {
    // Cursor and synchronized-output codes come as short writes of their own.
    if (data.length > 100) {
      this.frames++;
      this.last = data;
      this.onFrame();
    }
    return true;
  };
}

/** A keyboard nobody types on (Ink puts stdin in raw mode and reads it). */
class BenchKeys extends EventEmitter {
  readonly isTTY = true;
  setRawMode() {}
  setEncoding() {}
  resume() {}
  pause() {}
  ref() {}
  unref() {}
  read() {
    return null;
  }
}

/** Cancels tasks at a steady rate from another process, as another client of the daemon would. */
const SENDER = `
const { url, ids, rate } = JSON.parse(process.argv[1]);
(async () => {
  const started = performance.now();
  const sent = [];
  for (let i = 0; i < ids.length; i++) {
    const wait = started + (i * 1000) / rate - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    sent.push(fetch(url + '/api/v1/tasks/' + ids[i] + '/cancel', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
      .then((r) => r.arrayBuffer()).catch(() => {}));
  }
  await Promise.all(sent);
})();
`;

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? Number(s[Math.min(s.length - 1, Math.floor(q * s.length))]!.toFixed(2)) : null;
};

async function post(url: string, path: string, body: unknown): Promise<{ task: { id: string } }> {
  const res = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as { task: { id: string } };
}

/** The real aidos-tui in tmux on the same daemon: start to a frame with every task, and its RSS. */
async function realBinary(url: string, newest: string) {
  const socket = `aidos-bench-tui-${process.pid}`;
  const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
  const started = performance.now();
  tmux('new-session', '-d', '-s', 'b', '-x', '160', '-y', '45', `exec node ${TUI_BIN} --url ${url}`);
  try {
    await waitFor(
      () => tmux('capture-pane', '-p', '-t', 'b').includes(newest),
      30_000,
      "the binary's first frame with tasks",
    );
    const firstFrameMs = performance.now() - started;
    await waitFor(
      () => tmux('capture-pane', '-p', '-t', 'b').includes(`tasks [${TASKS}]`),
      60_000,
      'the binary showing every task',
    );
    const allMs = performance.now() - started;
    const pid = tmux('display', '-p', '-t', 'b', '#{pane_pid}').trim();
    const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return {
      start_to_first_task_frame_ms: Math.round(firstFrameMs),
      start_to_all_tasks_ms: Math.round(allMs),
      rss_mb: rss ? Number((Number(rss) / 1024).toFixed(1)) : null,
    };
  } finally {
    tmux('kill-server');
  }
}

export default async function bench(): Promise<void> {
  // As aidos-tui runs: React's production build, colour as on a 256-colour terminal, and Ink
  // drawing frames although a CI variable may be set (the binary drops it on a terminal too).
  process.env.NODE_ENV ??= 'production';
  process.env.FORCE_COLOR ??= '2';
  delete process.env.CI;
  delete process.env.CONTINUOUS_INTEGRATION;
  const { createElement } = await import('react');
  const { render } = await import('ink');
  const { App } = await import('../../tui/app/App.js');
  const { contextSwitcher } = await import('../../tui/app/context-switcher.js');
  const { inkOriginalGet, inkOutput, installFastOutput } = await import('../../tui/app/fast-output.js');
  const { RENDER_OPTIONS } = await import('../../tui/app/render-options.js');
  const { themeFor } = await import('../../tui/app/theme.js');
  const { FleetConnection } = await import('../../tui/fleet/connection.js');
  const { buildKeymap } = await import('../../tui/keys/keymap.js');
  const outputMode = await installFastOutput();
  const { Output } = await inkOutput();
  const fastGet = Output.prototype.get;
  const inkGet = inkOriginalGet() ?? fastGet;
  const dir = await mkdtemp(join(tmpdir(), 'aidos-bench-tui-'));
  try {
    const daemon = await startDaemon({ args: ['--config', writeStandinConfig(dir)] });
    // Queued far in the future: they stay in the list and no agent runs.
    const later = Date.now() + 86_400_000;
    const ids: string[] = [];
    for (let i = 0; i < TASKS; i += 50) {
      const batch = Array.from({ length: Math.min(50, TASKS - i) }, (_, k) =>
        post(daemon.url, '/api/v1/tasks', { message: `bench task ${i + k}`, run_after: later }),
      );
      for (const r of await Promise.all(batch)) ids.push(r.task.id);
    }

    const connection = new FleetConnection({ urls: [daemon.url], maxTasks: TASKS });
    const store = connection.store;
    const snap = store.getSnapshot;
    // When the first tasks snapshot arrives in the store.
    let snapshotAt = 0;
    const tasksSnapshot = store.tasksSnapshot.bind(store);
    store.tasksSnapshot = (tasks) => {
      if (!snapshotAt && tasks.length > 0) snapshotAt = performance.now();
      tasksSnapshot(tasks);
    };
    // Every cancel arriving in the store is timed; a frame draws the first n of them when its
    // header counts n more cancelled tasks than at the phase's start (each cancel adds one).
    let arrivals: number[] = [];
    let drawn = 0;
    let cancelledBefore = 0;
    let latencies: number[] = [];
    const taskChange = store.taskChange.bind(store);
    store.taskChange = (task) => {
      if (task.state === 'cancelled' && snap().tasks.get(task.id)?.state !== 'cancelled')
        arrivals.push(performance.now());
      taskChange(task);
    };
    const terminal = new BenchTerminal(160, 45);
    terminal.onFrame = () => {
      const shown = Number(/cancelled (\d+)/.exec(terminal.last)?.[1] ?? 0) - cancelledBefore;
      const now = performance.now();
      for (; drawn < Math.min(shown, arrivals.length); drawn++) latencies.push(now - arrivals[drawn]!);
    };
    const instance = render(
      createElement(App, {
        connection,
        keymap: buildKeymap(),
        theme: themeFor(),
        readonly: false,
        contexts: contextSwitcher({}, connection, null),
        size: { columns: terminal.columns, rows: terminal.rows },
      }),
      {
        ...RENDER_OPTIONS,
        patchConsole: false,
        stdout: terminal as unknown as NodeJS.WriteStream,
        stderr: terminal as unknown as NodeJS.WriteStream,
        stdin: new BenchKeys() as unknown as NodeJS.ReadStream,
      },
    );
    connection.start();
    await waitFor(
      () => snapshotAt && terminal.last.includes(ids.at(-1)!),
      30_000,
      'the first frame with tasks',
    ).catch((error: Error) => {
      throw new Error(`${error.message}; last frame:\n${terminal.last}`);
    });
    const firstFrameMs = performance.now() - snapshotAt;
    await waitFor(() => terminal.last.includes(`tasks [${TASKS}]`), 60_000, `all ${TASKS} tasks in the list`);
    const allTasksMs = performance.now() - snapshotAt;

    // The real member(s) as the daemon reports them, plus the simulated ones.
    const sims = Array.from({ length: Math.max(0, NODES - 1) }, (_, i) => simNode(i, 0));
    const withSims = () => {
      const { nodes, nodeId } = snap();
      store.setNodes([...nodes.filter((n) => !n.id.startsWith('sim-')), ...sims], nodeId);
    };
    withSims();
    const total = RATE * SECONDS;
    let offset = 0;
    /** One phase: `total` task cancels from the sender and as many node changes from here. */
    const phase = async (get: typeof fastGet) => {
      Output.prototype.get = get;
      const mine = ids.slice(offset, offset + total);
      offset += total;
      cancelledBefore = snap().taskCounts.cancelled;
      arrivals = [];
      drawn = 0;
      latencies = [];
      terminal.frames = 0;
      const started = performance.now();
      const elu = performance.eventLoopUtilization();
      const cpu = process.cpuUsage();
      const data = JSON.stringify({ url: daemon.url, ids: mine, rate: RATE });
      const sender = spawn(process.execPath, ['-e', SENDER, data], { stdio: 'inherit' });
      const sent = new Promise((r) => sender.once('exit', r));
      for (let i = 0; i < total; i++) {
        const wait = started + (i * 1000) / RATE - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        if (sims.length) {
          sims[i % sims.length] = simNode(i % sims.length, i);
          withSims();
        }
      }
      await sent;
      const last = mine.at(-1)!;
      await waitFor(() => snap().tasks.get(last)?.state === 'cancelled', 30_000, 'the last change');
      await waitFor(() => drawn === total, 10_000, 'the frame with the last change').catch(() => {});
      const elapsed = (performance.now() - started) / 1000;
      const busy = performance.eventLoopUtilization(elu);
      const used = process.cpuUsage(cpu);
      const ms = latencies.slice();
      return {
        changes: total,
        changes_drawn: ms.length,
        change_to_frame_ms: { p50: quantile(ms, 0.5), p99: quantile(ms, 0.99), max: quantile(ms, 1) },
        mean_ms: Number((ms.reduce((a, b) => a + b, 0) / Math.max(1, ms.length)).toFixed(2)),
        frames_per_s: Number((terminal.frames / elapsed).toFixed(1)),
        // The TUI thread's busy time per frame written (rendering, the pushed frames, the node
        // changes); it grows when other processes hold the cores.
        busy_ms_per_frame: Number((busy.active / Math.max(1, terminal.frames)).toFixed(2)),
        // CPU the TUI process spent per change (a task change and a node change each, drawn or
        // not): unlike the latencies, it hardly depends on what else runs on the machine.
        cpu_ms_per_change: Number(((used.user + used.system) / 1000 / (2 * total)).toFixed(2)),
        cpu_ms_per_frame: Number(
          ((used.user + used.system) / 1000 / Math.max(1, terminal.frames)).toFixed(2),
        ),
      };
    };
    // BENCH_TUI_COMPARE=0 skips the phase with Ink's own Output.get.
    const ink = process.env.BENCH_TUI_COMPARE === '0' ? null : await phase(inkGet);
    const fast = await phase(fastGet);
    const rssMb = Number((process.memoryUsage().rss / 1024 / 1024).toFixed(1));
    instance.unmount();
    connection.stop();
    const binary = await realBinary(daemon.url, ids.at(-1)!);
    process.stdout.write(
      `${JSON.stringify({
        bench: 'tui',
        tasks: TASKS,
        nodes: snap().nodes.length,
        simulated_nodes: sims.length,
        changes_per_s: RATE,
        node_changes_per_s: sims.length ? RATE : 0,
        terminal: `${terminal.columns}x${terminal.rows}`,
        first_frame_after_snapshot_ms: Number(firstFrameMs.toFixed(1)),
        all_tasks_shown_after_snapshot_ms: Number(allTasksMs.toFixed(1)),
        ink_max_fps: RENDER_OPTIONS.maxFps,
        output: outputMode,
        change_to_frame_ms: fast.change_to_frame_ms,
        with_inks_output: ink,
        with_fast_output: fast,
        p99_ratio_ink_over_fast: ink && ratio(ink.change_to_frame_ms.p99, fast.change_to_frame_ms.p99),
        bench_process_rss_mb: rssMb,
        aidos_tui_binary: binary,
        // k9s redraws every 2 s: what it shows is on average 1 s old (uniform over the interval).
        k9s_refresh_ms: 2000,
        k9s_mean_age_ms: 1000,
        mean_age_ms: fast.mean_ms,
        fresher_than_k9s: ratio(1000, fast.mean_ms),
      })}\n`,
    );
  } finally {
    await cleanupDaemons();
    await rm(dir, { recursive: true, force: true });
  }
}

function ratio(a: number | null, b: number | null): number | null {
  return a !== null && b !== null && b > 0 ? Number((a / b).toFixed(1)) : null;
}
