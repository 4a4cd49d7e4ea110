import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupDaemons, type DaemonProcess, startDaemon } from '../helpers/daemon-process.js';
import { startThrowawayPostgres, type ThrowawayPostgres } from '../helpers/postgres-server.js';
import { waitFor } from '../helpers/wait.js';

let server: ThrowawayPostgres;
let daemon: DaemonProcess;

interface Doc {
  checks: Record<string, { status: string; componentType?: string }[]>;
}

async function doc(path: string): Promise<Doc> {
  return (await (await fetch(`${daemon.url}${path}`)).json()) as Doc;
}

async function status(path: string): Promise<number> {
  return (await fetch(`${daemon.url}${path}`)).status;
}

beforeAll(async () => {
  // A server of our own: stopping the suite's shared one would break every other test file.
  server = await startThrowawayPostgres();
  daemon = await startDaemon({
    args: [
      '--db',
      server.url,
      '--set',
      'health.schedules.fast=* * * * * *',
      '--set',
      'health.schedules.deep=*/2 * * * * *',
      '--set',
      'store.connect_timeout=1s',
      '--set',
      'health.timeout=1s',
    ],
  });
});

afterAll(async () => {
  await cleanupDaemons();
  await server?.destroy();
});

describe('a stopped PostgreSQL', () => {
  it('fails readiness but not liveness, and readiness recovers when it is back', async () => {
    const deep = await doc('/health/deep');
    expect(deep.checks['postgres:latency']?.[0]?.status).toBe('pass');
    await server.stop();
    await waitFor(async () => (await status('/health/ready')) === 503, 20_000, 'readiness to fail');
    expect(await status('/health')).toBe(200);
    const ready = await doc('/health/ready');
    expect(ready.checks['store:ready']?.[0]).toMatchObject({ status: 'fail', componentType: 'datastore' });
    // Deep checks against the stopped server fail within their timeouts instead of hanging.
    await waitFor(
      async () => (await doc('/health/deep')).checks['postgres:connections']?.[0]?.status === 'fail',
      20_000,
      'diagnostics to fail',
    );
    expect(await status('/health')).toBe(200);
    await server.start();
    await waitFor(async () => (await status('/health/ready')) === 200, 30_000, 'readiness to recover');
    await waitFor(
      async () => (await doc('/health/deep')).checks['postgres:connections']?.[0]?.status === 'pass',
      20_000,
      'diagnostics to recover',
    );
  });
});
