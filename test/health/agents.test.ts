import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { configSchema } from '../../daemon/config/schema.js';
import { agentCommandCheck } from '../../daemon/health/checks/agents.js';
import { agentCommands } from '../../daemon/health/module.js';
import { cleanupDaemons, type DaemonProcess, startDaemon } from '../helpers/daemon-process.js';
import { waitFor } from '../helpers/wait.js';
import { connectClient } from '../helpers/ws.js';

interface Entry {
  status: string;
  observedValue?: number;
  output?: string;
}

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'aidos-health-agents-'));
});

afterAll(async () => {
  await cleanupDaemons();
  await rm(dir, { recursive: true, force: true });
});

async function daemonWith(services: Record<string, unknown>): Promise<DaemonProcess> {
  const file = join(dir, `${randomBytes(4).toString('hex')}.yaml`);
  await writeFile(
    file,
    YAML.stringify({
      agents: { services },
      health: {
        schedules: { fast: '* * * * * *' },
        checks: {
          'agents:restart-rate': { warn: 1, fail: 1000, failures_before_fail: 1, successes_before_pass: 1 },
          'agents:services-down': { failures_before_fail: 1, successes_before_pass: 1 },
        },
      },
    }),
  );
  return startDaemon({ args: ['--config', file] });
}

async function entry(d: DaemonProcess, name: string): Promise<Entry | undefined> {
  const doc = (await (await fetch(`${d.url}/health/deep`)).json()) as { checks: Record<string, Entry[]> };
  return doc.checks[name]?.[0];
}

/** Pid of the process whose command line holds the marker (only our own service has it). */
async function pidWithMarker(marker: string): Promise<number | undefined> {
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const cmdline = await readFile(`/proc/${name}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(marker) && !cmdline.includes('aidos.js')) return Number(name);
  }
  return undefined;
}

describe('agent checks in a real daemon', () => {
  it('a killed agent service shows as a restart; it is up again afterwards', async () => {
    const marker = `hsteady-${randomBytes(4).toString('hex')}`;
    const d = await daemonWith({
      steady: { command: process.execPath, args: ['-e', 'setInterval(() => {}, 1000)', marker] },
    });
    const pid = await waitFor(() => pidWithMarker(marker), 10_000, 'service process');
    await waitFor(
      async () => (await entry(d, 'agents:services-down'))?.status === 'pass',
      10_000,
      'service up',
    );
    expect((await entry(d, 'agents:restart-rate'))?.status).toBe('pass');
    const client = await connectClient(d.url);
    client.send({ type: 'request', id: 'sub', op: 'subscribe', params: { topics: ['health'] } });
    const snapshot = await client.next((f) => f.type === 'event' && f.kind === 'snapshot');
    expect((snapshot.data as { checks: Record<string, unknown> }).checks).toHaveProperty([
      'agents:restart-rate',
    ]);
    process.kill(pid, 'SIGKILL');
    await waitFor(
      async () => (await entry(d, 'agents:restart-rate'))?.status === 'warn',
      15_000,
      'restart seen',
    );
    expect((await entry(d, 'agents:restart-rate'))?.observedValue).toBe(1);
    // The status change is pushed to WebSocket subscribers of the `health` topic.
    const pushed = await client.next(
      (f) =>
        f.type === 'event' &&
        f.kind === 'change' &&
        (f.data as { check?: string }).check === 'agents:restart-rate',
    );
    expect(pushed.data).toMatchObject({ from: 'pass', to: 'warn', observed_value: 1 });
    client.ws.close();
    await waitFor(
      async () => (await entry(d, 'agents:services-down'))?.status === 'pass',
      15_000,
      'service back',
    );
    const newPid = await waitFor(() => pidWithMarker(marker), 10_000, 'restarted service');
    expect(newPid).not.toBe(pid);
    const metrics = await (await fetch(`${d.url}/metrics`)).text();
    expect(metrics).toMatch(/aidos_agent_restarts_total\{kind="service",name="steady"\} 1/);
  });

  it('a service that keeps crashing shows as down', async () => {
    const d = await daemonWith({ crashy: { command: process.execPath, args: ['-e', 'process.exit(3)'] } });
    await waitFor(
      async () => (await entry(d, 'agents:services-down'))?.status === 'warn',
      15_000,
      'down seen',
    );
    expect((await entry(d, 'agents:services-down'))?.output).toBe('down: crashy');
  });
});

describe('agents:command', () => {
  const agents = (a: object) => configSchema.parse({ agents: a }).agents;

  it('checks the executable of an openclaw_command with arguments, not the whole line', async () => {
    // e.g. Node 24 running openclaw.mjs: the executable is the first word, as the profile splits it.
    const commands = agentCommands(agents({ openclaw_command: `${process.execPath} /opt/oc/openclaw.mjs` }));
    expect(commands).toEqual([process.execPath]);
    expect(await agentCommandCheck(() => commands).run(new AbortController().signal)).toMatchObject({
      observedValue: 0,
    });
    const missing = agentCommands(agents({ openclaw_command: '/nonexistent/node /opt/oc/openclaw.mjs' }));
    expect(await agentCommandCheck(() => missing).run(new AbortController().signal)).toMatchObject({
      observedValue: 1,
      output: 'not found: /nonexistent/node',
    });
  });

  it('checks every profile command, and openclaw only while it is the default and not overridden', () => {
    expect(
      agentCommands(
        agents({ default_profile: 'x', profiles: { x: { command: '/bin/x' } }, openclaw_command: 'oc' }),
      ),
    ).toEqual(['/bin/x']);
    expect(agentCommands(agents({ profiles: { openclaw: { command: '/opt/oc' } } }))).toEqual(['/opt/oc']);
  });
});
