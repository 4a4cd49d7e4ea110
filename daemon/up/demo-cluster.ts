import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { type ChildDaemon, startChildDaemon } from './child-daemon.js';
import { UP_PATHS } from './paths.js';

/** How many nodes the demo runs. */
export const DEMO_NODES = 3;

/** Where and how the demo cluster runs. */
export interface DemoOptions {
  /** Loopback host the nodes listen on. */
  host: string;
  /** Port of the first node; the others take the next ports. */
  port: number;
  /** Directory of the demo (wiped at start: it is throwaway data). */
  dir: string;
  /** How long each node may take to be ready. */
  readyTimeoutMs: number;
}

/** The running demo: its nodes, first one first (the seed the others joined through). */
export interface DemoCluster {
  /** The nodes. */
  nodes: ChildDaemon[];
  /** Stops every node, the last joined first. */
  stop(timeoutMs: number): Promise<void>;
}

/** The daemon config the demo nodes share: the demo agent, two slots each, quick retries. */
function demoConfig(): Record<string, unknown> {
  return {
    agents: {
      default_profile: 'demo',
      slots: 2,
      kill_grace: '1s',
      profiles: {
        demo: {
          command: process.execPath,
          args: [UP_PATHS.demoAgent, '--message-file', '{message_file}', '--attempt', '{attempt}'],
          timeout: '1m',
        },
      },
    },
    tasks: { retry_base: '1s', retry_max: '5s' },
  };
}

/**
 * Starts a three-node cluster on one host: one shared SQLite file (its write lock arbitrates the
 * claims, as PostgreSQL does on several hosts), a fresh cluster key, the demo agent.
 */
export async function startDemoCluster(options: DemoOptions): Promise<DemoCluster> {
  rmSync(options.dir, { recursive: true, force: true });
  mkdirSync(options.dir, { recursive: true });
  const configFile = join(options.dir, 'aidos-demo.yaml');
  writeFileSync(configFile, YAML.stringify(demoConfig()));
  const env = { AIDOS_CLUSTER_KEY: randomBytes(24).toString('hex') };
  const nodes: ChildDaemon[] = [];
  const stop = async (timeoutMs: number) => {
    for (const node of [...nodes].reverse()) await node.stop(timeoutMs);
  };
  const start = (i: number) => {
    const port = options.port + i;
    const args = [
      '--config',
      configFile,
      '--data-dir',
      join(options.dir, `demo-${i + 1}`),
      '--db',
      `sqlite:${join(options.dir, 'aidos.db')}`,
      '--listen',
      `${options.host}:${port}`,
      '--node-id',
      `demo-${i + 1}`,
      ...(i > 0 ? ['--join', `${options.host}:${options.port}`] : []),
    ];
    return startChildDaemon({
      args,
      env,
      url: `http://${options.host}:${port}`,
      logFile: join(options.dir, `demo-${i + 1}.log`),
      readyTimeoutMs: options.readyTimeoutMs,
    });
  };
  try {
    // The seed first: it applies the migrations; the others join through it.
    nodes.push(await start(0));
    const rest = await Promise.allSettled(Array.from({ length: DEMO_NODES - 1 }, (_, i) => start(i + 1)));
    for (const r of rest) if (r.status === 'fulfilled') nodes.push(r.value);
    const failed = rest.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
  } catch (error) {
    await stop(5_000);
    throw error;
  }
  return { nodes, stop };
}
