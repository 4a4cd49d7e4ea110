// The /health prober of submit-burst.ts, in a worker thread of its own: a liveness probe comes from
// another process (kubelet, systemd), so its timing must not include the bench client's own event
// loop, which is busy with the 2,000 requests it sends and the answers it reads. Asks /health one
// request at a time over one keep-alive connection until told to stop, then posts the latencies.
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';

const { url } = workerData as { url: string };
const agent = new Agent({ keepAlive: true, maxSockets: 1 });
let stopped = false;
parentPort?.once('message', () => {
  stopped = true;
});

function probe(): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(`${url}/health`, { agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200));
    });
    req.on('error', () => resolve(false));
    req.end();
  });
}

const latencies: number[] = [];
let errors = 0;
parentPort?.postMessage({ ready: true });
while (!stopped) {
  const t0 = performance.now();
  if (await probe()) latencies.push(performance.now() - t0);
  else errors += 1;
}
agent.destroy();
parentPort?.postMessage({ latencies, errors });
