// `npm run bench -- tui`: this process is the TUI (the App rendered by Ink into an in-memory
// terminal, attached to a real daemon over /v1/client). It loads BENCH_TUI_TASKS queued tasks,
// measures the time from the tasks snapshot to the first full frame, then changes tasks at
// BENCH_TUI_RATE per second and measures the time from each pushed change to the frame that shows
// it, frames per second; then starts the real aidos-tui binary in tmux on the same daemon and
// reads its time to a full frame and its RSS. Prints one JSON line.
import { execFileSync } from 'node:child_process';
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
  // As aidos-tui runs: React's production build (its development build is several times slower).
  process.env.NODE_ENV ??= 'production';
  const { createElement } = await import('react');
  const { render } = await import('ink-testing-library');
  const { App } = await import('../../tui/app/App.js');
  const { contextSwitcher } = await import('../../tui/app/context-switcher.js');
  const { themeFor } = await import('../../tui/app/theme.js');
  const { FleetConnection } = await import('../../tui/fleet/connection.js');
  const { buildKeymap } = await import('../../tui/keys/keymap.js');
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
    let snapshotAt = 0;
    connection.store.subscribe(() => {
      if (!snapshotAt && connection.store.getSnapshot().tasks.size > 0) snapshotAt = performance.now();
    });
    // Time from a pushed change reaching the store to the next frame written.
    let pendingSince = 0;
    const latencies: number[] = [];
    let frames = 0;
    // createElement from the React loaded above: JSX here would load the development runtime first.
    const ui = render(
      createElement(App, {
        connection,
        keymap: buildKeymap(),
        theme: themeFor(),
        readonly: false,
        contexts: contextSwitcher({}, connection, null),
        size: { columns: 160, rows: 45 },
      }),
    );
    const write = ui.stdout.write;
    ui.stdout.write = (frame: string) => {
      frames++;
      if (pendingSince) latencies.push(performance.now() - pendingSince);
      pendingSince = 0;
      write(frame);
    };
    connection.store.subscribe(() => {
      if (!pendingSince) pendingSince = performance.now();
    });
    connection.start();
    await waitFor(
      () => snapshotAt && ui.lastFrame()?.includes(ids.at(-1)!),
      30_000,
      'the first frame with tasks',
    ).catch((error: Error) => {
      throw new Error(`${error.message}; last frame:\n${ui.lastFrame()}`);
    });
    const firstFrameMs = performance.now() - snapshotAt;
    await waitFor(
      () => ui.lastFrame()?.includes(`tasks [${TASKS}]`),
      60_000,
      `all ${TASKS} tasks in the list`,
    );
    const allTasksMs = performance.now() - snapshotAt;

    // The real member(s) as the daemon reports them, plus the simulated ones.
    const sims = Array.from({ length: Math.max(0, NODES - 1) }, (_, i) => simNode(i, 0));
    const withSims = () => {
      const { nodes, nodeId } = connection.store.getSnapshot();
      connection.store.setNodes([...nodes.filter((n) => !n.id.startsWith('sim-')), ...sims], nodeId);
    };
    withSims();
    latencies.length = 0;
    frames = 0;
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    let sent = 0;
    const total = RATE * SECONDS;
    while (sent < total) {
      const due = started + (sent * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      void post(daemon.url, `/api/v1/tasks/${ids[sent]}/cancel`, {}).catch(() => {});
      if (sims.length) {
        sims[sent % sims.length] = simNode(sent % sims.length, sent);
        withSims();
      }
      sent++;
    }
    const last = ids[total - 1]!;
    await waitFor(
      () => connection.store.getSnapshot().tasks.get(last)?.state === 'cancelled',
      30_000,
      'the last change',
    );
    const elapsed = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    // CPU this process spent per frame (rendering, plus its share of sending the changes): unlike
    // latency, it does not grow when other processes hold the cores.
    const cpuMsPerFrame = Number(((cpu.user + cpu.system) / 1000 / Math.max(1, frames)).toFixed(2));
    const rssMb = Number((process.memoryUsage().rss / 1024 / 1024).toFixed(1));
    ui.unmount();
    connection.stop();
    const binary = await realBinary(daemon.url, ids.at(-1)!);
    process.stdout.write(
      `${JSON.stringify({
        bench: 'tui',
        tasks: TASKS,
        nodes: connection.store.getSnapshot().nodes.length,
        simulated_nodes: sims.length,
        changes_per_s: RATE,
        first_frame_after_snapshot_ms: Number(firstFrameMs.toFixed(1)),
        all_tasks_shown_after_snapshot_ms: Number(allTasksMs.toFixed(1)),
        change_to_frame_ms: {
          p50: quantile(latencies, 0.5),
          p99: quantile(latencies, 0.99),
          max: quantile(latencies, 1),
        },
        cpu_ms_per_frame: cpuMsPerFrame,
        // Ink's own render throttling (maxFps, 30 by default in aidos-tui) is off here (debug
        // mode draws every commit), so the latencies are the render cost, not the throttle's wait.
        ink_throttle: 'off (every commit drawn)',
        frames_per_s: Number((frames / elapsed).toFixed(1)),
        bench_process_rss_mb: rssMb,
        aidos_tui_binary: binary,
        k9s_refresh_ms: 2000,
      })}\n`,
    );
  } finally {
    await cleanupDaemons();
    await rm(dir, { recursive: true, force: true });
  }
}
