/**
 * `npm run bench -- openclaw`: the cost of one OpenClaw turn three ways, with the real OpenClaw
 * (pinned, from the test cache) against the fake model server, each under a real daemon:
 *
 * - exec: the built-in `openclaw` profile, one `openclaw agent exec` process per task;
 * - gateway via the CLI: a gateway kept up as an `agents.services` entry, one `openclaw agent`
 *   client process per task (the way to use a gateway before gateway mode);
 * - protocol: the built-in `openclaw-gateway` profile, a turn over the gateway's WebSocket.
 *
 * Per turn: wall time, CPU-s of the daemon's whole process tree (daemon + agents + gateway) and the
 * tree's peak RSS; turns per minute with 1, 2, 4 and 8 in flight (protocol; exec at 1 only: eight
 * `agent exec` at once need ~8 GB and ~160 CPU-s); gateway RSS over BENCH_GATEWAY_TURNS turns (200).
 * Prints one JSON line.
 */
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { allProcesses, processTree } from '../../daemon/agents/proc.js';
import { startFakeModelServer } from '../fixtures/fake-model-server.js';
import { api, submit, waitForState } from '../helpers/api.js';
import { cleanupDaemons, type DaemonProcess, startDaemon } from '../helpers/daemon-process.js';
import { fakeModelOpenClawConfig, vitestVariables } from '../helpers/openclaw-config.js';
import { ensureOpenClaw } from '../helpers/openclaw-install.js';
import { freePort } from '../helpers/postgres-server.js';
import { waitFor } from '../helpers/wait.js';

const EXEC_TURNS = Number(process.env.BENCH_EXEC_TURNS ?? 3);
const CLI_TURNS = Number(process.env.BENCH_CLI_TURNS ?? 6);
const PROTOCOL_TURNS_PER_SLOT = Number(process.env.BENCH_PROTOCOL_TURNS_PER_SLOT ?? 4);
const GATEWAY_TURNS = Number(process.env.BENCH_GATEWAY_TURNS ?? 200);
const TOKEN = 'bench-gateway-token-0123456789';
const r2 = (n: number): number => Math.round(n * 100) / 100;
const MB = 1024 * 1024;

/** CPU-s of the daemon and everything under it, live or reaped (utime+stime+cutime+cstime of the root). */
function treeCpuS(pid: number): number {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const root = Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
  const start = Number(f[19]);
  const live = processTree(pid, start, allProcesses()).filter((p) => p.pid !== pid);
  return (root + live.reduce((s, p) => s + p.cpuTicks, 0)) / 100;
}

/** RSS of the daemon's tree (bytes), and of the gateway's alone when `gatewayPid` is given. */
function treeRss(pid: number, gatewayPid?: number): { total: number; gateway: number } {
  const all = allProcesses();
  const start = all.find((p) => p.pid === pid)?.startTime ?? 0;
  const total = processTree(pid, start, all).reduce((s, p) => s + p.rssBytes, 0);
  const gwStart = all.find((p) => p.pid === gatewayPid)?.startTime;
  const gateway =
    gatewayPid && gwStart !== undefined
      ? processTree(gatewayPid, gwStart, all).reduce((s, p) => s + p.rssBytes, 0)
      : 0;
  return { total, gateway };
}

interface Phase {
  turns: number;
  ok: number;
  wall_s: number;
  turn_wall_s: number;
  cpu_s_per_turn: number;
  peak_rss_mb: number;
  turns_per_min: number;
}

/** Runs `turns` tasks with `inFlight` outstanding at once and measures the daemon's tree meanwhile. */
async function phase(
  d: DaemonProcess,
  profile: string,
  turns: number,
  inFlight: number,
  tag: string,
): Promise<Phase> {
  const pid = d.child.pid as number;
  let peak = 0;
  const sampler = setInterval(() => {
    peak = Math.max(peak, treeRss(pid).total);
  }, 200);
  const cpu0 = treeCpuS(pid);
  const t0 = performance.now();
  let next = 0;
  let ok = 0;
  const walls: number[] = [];
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < turns) {
        const i = next++;
        const s = performance.now();
        const task = await submit(d.url, { message: `say hi [${tag}-${i}]`, profile, max_attempts: 1 });
        const { task: done } = await waitForState(d.url, task.id, undefined, 300_000);
        walls.push(performance.now() - s);
        if (done.state === 'succeeded') ok++;
      }
    }),
  );
  const wall = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  const cpu = treeCpuS(pid) - cpu0;
  return {
    turns,
    ok,
    wall_s: r2(wall),
    turn_wall_s: r2(walls.reduce((a, b) => a + b, 0) / walls.length / 1000),
    cpu_s_per_turn: r2(cpu / turns),
    peak_rss_mb: Math.round(peak / MB),
    turns_per_min: r2((turns / wall) * 60),
  };
}

async function serviceUp(d: DaemonProcess, name: string): Promise<number> {
  const svc = await waitFor(
    async () => {
      const node = await api<{ services?: { name: string; state: string; pid: number | null }[] }>(
        d.url,
        'GET',
        '/api/v1/node',
      );
      const s = node.body.services?.find((x) => x.name === name);
      return s?.state === 'running' && s.pid ? s : undefined;
    },
    180_000,
    `${name} running`,
  );
  return svc.pid as number;
}

export default async function main(): Promise<void> {
  const install = await ensureOpenClaw();
  const model = await startFakeModelServer({ reply: 'hi' });
  const root = await mkdtemp(join(tmpdir(), 'aidos-bench-oc-'));
  const config = JSON.stringify(fakeModelOpenClawConfig(model.baseUrl));
  const env = { HOME: join(root, 'home'), TMPDIR: join(root, 'tmp'), NO_COLOR: '1', AIDOS_LOG_LEVEL: 'warn' };
  for (const dir of [env.HOME, env.TMPDIR]) await mkdir(dir, { recursive: true });
  const daemonWith = async (name: string, agents: (state: string) => Record<string, unknown>) => {
    const state = join(root, `${name}-state`);
    await mkdir(state, { recursive: true });
    await writeFile(join(state, 'openclaw.json'), config);
    const file = join(root, `${name}.yaml`);
    await writeFile(
      file,
      YAML.stringify({ agents: { openclaw_command: install.command, slots: 8, ...agents(state) } }),
    );
    return startDaemon({
      args: ['--config', file],
      env: { ...env, OPENCLAW_STATE_DIR: state },
      unsetEnv: vitestVariables(),
    });
  };
  const out: Record<string, unknown> = { openclaw: install.openclawVersion, node: install.nodeVersion };
  try {
    // 1. exec: a process per turn.
    const exec = await daemonWith('exec', () => ({}));
    out.exec = await phase(exec, 'openclaw', EXEC_TURNS, 1, 'exec');
    await exec.stop();

    // 2. gateway via the CLI: a service gateway with a known token, `openclaw agent` per turn.
    const port = await freePort();
    const [cmd, ...pre] = install.command.split(' ');
    const cli = await daemonWith('cli', (state: string) => ({
      services: {
        gw: {
          command: cmd,
          args: [...pre, 'gateway', 'run', '--port', String(port), '--bind', 'loopback', '--auth', 'token'],
          env: {
            OPENCLAW_GATEWAY_TOKEN: TOKEN,
            OPENCLAW_NO_RESPAWN: '1',
            OPENCLAW_SKIP_CHANNELS: '1',
            OPENCLAW_STATE_DIR: state,
          },
          ready_url: `http://127.0.0.1:${port}/readyz`,
        },
      },
      profiles: {
        'gateway-cli': {
          command: cmd,
          args: [
            ...pre,
            'agent',
            '--json',
            '--agent',
            'main',
            '--session-id',
            '{task_id}',
            '--message-file',
            '{message_file}',
          ],
          env: { OPENCLAW_GATEWAY_TOKEN: TOKEN, OPENCLAW_GATEWAY_PORT: String(port) },
          timeout: '120s',
        },
      },
    }));
    await serviceUp(cli, 'gw');
    await phase(cli, 'gateway-cli', 1, 1, 'cli-warm');
    out.gateway_cli = await phase(cli, 'gateway-cli', CLI_TURNS, 1, 'cli');
    await cli.stop();

    // 3. protocol: gateway mode.
    const gwPort = await freePort();
    const proto = await daemonWith('proto', (state: string) => ({
      default_profile: 'openclaw-gateway',
      gateway: { count: 1, port: gwPort, concurrency: 8, state_dir: state },
    }));
    await waitFor(
      async () => {
        const text = await (await fetch(`${proto.url}/metrics`)).text();
        return /^aidos_gateway_capacity [1-9]/m.test(text);
      },
      180_000,
      'gateway accepting',
    );
    const gwPid = await serviceUp(proto, 'openclaw-gateway-0');
    await phase(proto, 'openclaw-gateway', 2, 1, 'proto-warm');
    const scaling: Record<string, Phase> = {};
    for (const k of [1, 2, 4, 8])
      scaling[`in_flight_${k}`] = await phase(
        proto,
        'openclaw-gateway',
        k * PROTOCOL_TURNS_PER_SLOT,
        k,
        `p${k}`,
      );
    out.protocol = scaling;
    // Gateway RSS over many turns, 8 in flight, sampled every 10 turns.
    const rss: number[] = [Math.round(treeRss(proto.child.pid as number, gwPid).gateway / MB)];
    for (let done = 0; done < GATEWAY_TURNS; done += 10) {
      await phase(proto, 'openclaw-gateway', 10, 8, `rss${done}`);
      rss.push(Math.round(treeRss(proto.child.pid as number, gwPid).gateway / MB));
    }
    out.gateway_rss_mb = {
      turns: GATEWAY_TURNS,
      every: 10,
      start: rss[0],
      max: Math.max(...rss),
      end: rss.at(-1),
      series: rss,
    };
    await proto.stop();

    const e = out.exec as Phase;
    const p1 = scaling.in_flight_1 as Phase;
    const best = Math.max(...Object.values(scaling).map((p) => p.turns_per_min));
    out.ratios = {
      protocol_vs_exec_turns_per_cpu_s: r2(e.cpu_s_per_turn / p1.cpu_s_per_turn),
      protocol_vs_exec_turns_per_min_1_in_flight: r2(p1.turns_per_min / e.turns_per_min),
      protocol_best_vs_exec_turns_per_min: r2(best / e.turns_per_min),
      cli_vs_exec_turns_per_cpu_s: r2(e.cpu_s_per_turn / (out.gateway_cli as Phase).cpu_s_per_turn),
    };
    out.targets = { protocol_vs_exec_turns_per_cpu_s: 20, protocol_vs_exec_turns_per_min: 10 };
  } finally {
    await cleanupDaemons();
    await model.close();
    await rm(root, { recursive: true, force: true });
  }
  process.stdout.write(`${JSON.stringify(out)}\n`);
}
