import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ChaosTopicChange,
  type ChaosTopicSnapshot,
  chaosTopicChangeSchema,
  chaosTopicSnapshotSchema,
} from '../../shared/api/chaos-topic.js';
import { WsClient } from '../../shared/client/ws-client.js';
import { cleanupDaemons, type DaemonProcess, startDaemon } from '../helpers/daemon-process.js';
import { writeStandinConfig } from '../helpers/standin-config.js';
import { waitFor } from '../helpers/wait.js';

// The `chaos` client topic of a real daemon: a snapshot, then faults and drill progress pushed.
let dir: string;
let daemon: DaemonProcess;
let client: WsClient;
const snapshots: ChaosTopicSnapshot[] = [];
const changes: ChaosTopicChange[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'aidos-chaos-topic-'));
  daemon = await startDaemon({
    args: ['--config', writeStandinConfig(dir), '--set', 'chaos.enabled=true'],
  });
  client = new WsClient({ url: daemon.url });
  await client.opened;
  client.onTopic('chaos', (e) => {
    // Every frame is what the pinned v1 schemas say.
    if (e.kind === 'snapshot') snapshots.push(chaosTopicSnapshotSchema.parse(e.data));
    else changes.push(chaosTopicChangeSchema.parse(e.data));
  });
}, 60_000);

afterAll(async () => {
  client?.close();
  await cleanupDaemons();
  await rm(dir, { recursive: true, force: true });
});

const seen = (what: string, match: (c: ChaosTopicChange) => boolean) =>
  waitFor(() => changes.find(match), 60_000, what);

describe('the chaos topic', () => {
  it('pushes the status first, then each fault injected and reverted', async () => {
    expect(await client.subscribe(['chaos'])).toEqual({ subscribed: ['chaos'] });
    const [first] = await waitFor(() => (snapshots.length ? snapshots : undefined), 10_000, 'the snapshot');
    expect(first?.status).toMatchObject({ enabled: true, node_id: `n${daemon.port}`, active_faults: [] });
    const { fault } = await client.call('chaos.inject', {
      fault: { kind: 'memory-pressure', mb: 16 },
      duration_ms: 1_000,
    });
    const injected = await seen('fault.injected', (c) => c.event === 'fault.injected');
    expect(injected).toMatchObject({
      node_id: `n${daemon.port}`,
      fault: { id: fault?.id, kind: 'memory-pressure' },
    });
    const reverted = await seen('fault.reverted', (c) => c.event === 'fault.reverted');
    expect(reverted).toMatchObject({ fault_id: fault?.id, reason: 'deadline', left: [] });
  }, 60_000);

  it("pushes a drill's start, phases, samples, its fault and its end with the verdict", async () => {
    changes.length = 0;
    const { run } = await client.call('chaos.run', {
      scenario: 'cpu-saturation',
      set: { 'steps.0.duration': '1s', 'steps.0.fault.workers': 1, 'load.tasks': 1 },
    });
    const ended = await seen('drill.ended', (c) => c.event === 'drill.ended');
    expect(ended).toMatchObject({ run: { run_id: run.run_id, verdict: 'passed' } });
    const mine = changes.filter((c) => !('run_id' in c) || c.run_id === run.run_id);
    expect(mine[0]).toMatchObject({
      event: 'drill.started',
      run: { run_id: run.run_id, verdict: 'running' },
    });
    const phases = mine.flatMap((c) => (c.event === 'drill.phase' ? [c.phase] : []));
    expect(phases).toEqual(['steady', 'inject', 'recovery', 'report']);
    expect(mine.filter((c) => c.event === 'drill.sample').length).toBeGreaterThanOrEqual(3);
    const kinds = mine.flatMap((c) => (c.event.startsWith('fault.') ? [c.event] : []));
    expect(kinds).toEqual(['fault.injected', 'fault.reverted']);
    // drill.ended comes once the drill is over: status agrees.
    expect(await client.call('chaos.status', {})).toMatchObject({ drill: null, active_faults: [] });
  }, 90_000);
});
