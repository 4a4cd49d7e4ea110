import { AidosError } from '../errors.js';
import { attachHint } from './attach.js';
import { DEMO_NODES, startDemoCluster } from './demo-cluster.js';
import { probeDaemon } from './probe.js';
import { baseUrl, duringStartUp, tuiSession, untilSignal } from './session.js';
import { startTrickle } from './trickle.js';

/** How `aidos up --demo` runs. */
export interface UpDemoOptions {
  /** Loopback host of the nodes. */
  host: string;
  /** Port of the first node. */
  port: number;
  /** The demo's own directory (wiped at start). */
  dir: string;
  /** Open the TUI; else run in the foreground until SIGTERM/SIGINT. */
  terminal: boolean;
  /** One demo task every this many ms. */
  trickleMs: number;
}

/** Starts the demo cluster and its trickle of tasks; stops them all when the TUI quits or on a signal. */
export async function upDemo(options: UpDemoOptions): Promise<number> {
  const urls = Array.from({ length: DEMO_NODES }, (_, i) => baseUrl(options.host, options.port + i));
  for (const url of urls)
    if ((await probeDaemon(url)) !== 'absent')
      throw new AidosError(
        'config',
        `listen: ${url.replace('http://', '')} is in use (the demo needs ports ${options.port}-${options.port + DEMO_NODES - 1})`,
        {
          field: 'listen',
        },
      );
  process.stderr.write(
    `aidos up --demo: starting ${DEMO_NODES} nodes at ${urls.join(', ')} (data: ${options.dir})\n`,
  );
  const cluster = await duringStartUp(() => startDemoCluster({ ...options, readyTimeoutMs: 60_000 }));
  const trickle = startTrickle(urls[0] as string, options.trickleMs);
  let code = 0;
  if (options.terminal) code = await tuiSession(urls[0] as string);
  else {
    process.stderr.write(attachHint(urls[0] as string));
    await untilSignal();
  }
  trickle.stop();
  await cluster.stop(12_000);
  process.stderr.write('aidos up --demo: stopped the demo cluster\n');
  return code;
}
