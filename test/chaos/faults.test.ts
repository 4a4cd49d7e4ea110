import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { buildFault } from '../../chaos/faults/build.js';
import type { FaultContext } from '../../chaos/faults/context.js';
import { freeMb } from '../../chaos/faults/disk.js';
import { type FaultSpecInput, faultSpecSchema } from '../../chaos/faults/spec.js';
import { FaultHost, type RevertRecord } from '../../chaos/host/fault-host.js';
import { readStat } from '../../daemon/agents/proc.js';
import { alive, pidTargets, procState, startVictim } from '../helpers/chaos.js';
import { waitFor } from '../helpers/wait.js';

const victims: ChildProcess[] = [];
const dirs: string[] = [];
const hosts: FaultHost[] = [];

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'aidos-chaos-'));
  dirs.push(dir);
  return dir;
}

function victim(): number {
  const child = startVictim();
  victims.push(child);
  return child.pid as number;
}

function context(dataDir: string): FaultContext {
  return { nodeId: 'test', dataDir, processes: pidTargets, proxies: new Map() };
}

async function host(dataDir?: string, extra: { controllerLeaseMs?: number } = {}): Promise<FaultHost> {
  const dir = dataDir ?? (await tempDir());
  const h = new FaultHost({ dataDir: dir, context: context(dir), ...extra });
  hosts.push(h);
  return h;
}

const spec = (input: FaultSpecInput) => faultSpecSchema.parse(input);
const nextRevert = (h: FaultHost) => new Promise<RevertRecord>((r) => h.once('reverted', r));

afterEach(async () => {
  while (hosts.length) await hosts.pop()?.close();
  for (const v of victims.splice(0)) {
    if (v.pid && alive(v.pid)) process.kill(v.pid, 'SIGCONT');
    v.kill('SIGKILL');
  }
});

afterAll(async () => {
  for (const dir of dirs) {
    if (process.getuid?.() === 0) spawnSync('umount', ['-q', dir], { stdio: 'ignore' });
    await rm(dir, { recursive: true, force: true });
  }
}, 30_000);

describe('process faults', () => {
  it('pauses a process and the host resumes it at the deadline on its own', async () => {
    const pid = victim();
    const h = await host();
    const reverted = nextRevert(h);
    const info = await h.inject(spec({ kind: 'process-pause', target: { pid } }), { durationMs: 400 });
    expect(info).toMatchObject({ kind: 'process-pause', target: `pid ${pid}` });
    expect(procState(pid)).toBe('T');
    const record = await reverted;
    expect(record).toMatchObject({ reason: 'deadline', left: [], errors: [] });
    expect(procState(pid)).not.toBe('T');
    expect(h.list()).toEqual([]);
  });

  it('kills with the chosen signal', async () => {
    const child = startVictim();
    victims.push(child);
    const exited = new Promise<NodeJS.Signals | null>((r) =>
      child.once('exit', (_code, signal) => r(signal)),
    );
    const h = await host();
    await h.inject(spec({ kind: 'process-kill', target: { pid: child.pid as number }, signal: 'SIGTERM' }), {
      durationMs: 5_000,
    });
    expect(await exited).toBe('SIGTERM');
  });

  it('refuses to kill when nothing matches, naming the target', async () => {
    const h = await host();
    await expect(
      h.inject(spec({ kind: 'process-kill', target: { pid: 999_999_9 } }), { durationMs: 1_000 }),
    ).rejects.toThrow(/no running process matches pid 9999999/);
    expect(h.list()).toEqual([]);
  });

  it('a controller that stops sending heartbeats loses its faults (dead man switch)', async () => {
    const pid = victim();
    const h = await host(undefined, { controllerLeaseMs: 300 });
    const reverted = nextRevert(h);
    await h.inject(spec({ kind: 'process-pause', target: { pid } }), {
      durationMs: 60_000,
      controller: 'c1',
    });
    expect(procState(pid)).toBe('T');
    expect(await reverted).toMatchObject({ reason: 'controller-lost', left: [] });
    expect(procState(pid)).not.toBe('T');
  });

  it('a host SIGKILLed mid-fault leaves it journaled, and the next host on the data dir reverts it', async () => {
    const pid = victim();
    const dir = await tempDir();
    const child = spawn(
      process.execPath,
      [
        resolve('dist/test/fixtures/chaos-host.js'),
        dir,
        JSON.stringify({ kind: 'process-pause', target: { pid } }),
        '600000',
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    victims.push(child);
    await waitFor(() => procState(pid) === 'T', 15_000, 'the fixture host to pause the victim');
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(procState(pid)).toBe('T');
    const next = await host(dir);
    const records = await next.recover();
    expect(records).toMatchObject([{ kind: 'process-pause', reason: 'restart', errors: [] }]);
    expect(procState(pid)).not.toBe('T');
    expect(await next.recover()).toEqual([]);
  });

  it('abort reverts every fault at once', async () => {
    const h = await host();
    const pids = [victim(), victim()];
    for (const pid of pids)
      await h.inject(spec({ kind: 'process-pause', target: { pid } }), { durationMs: 60_000 });
    const started = Date.now();
    const records = await h.revertAll('abort');
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(records.map((r) => r.reason)).toEqual(['abort', 'abort']);
    for (const pid of pids) expect(procState(pid)).not.toBe('T');
  });
});

describe('resource faults', () => {
  it('cpu-stress runs busy helper processes that are gone after revert', async () => {
    const dir = await tempDir();
    const fault = buildFault(spec({ kind: 'cpu-stress', workers: 2, share: 0.5 }), context(dir));
    await fault.inject();
    await fault.inject();
    const pids = (fault as unknown as { pids: number[] }).pids;
    expect(pids).toHaveLength(2);
    const before = pids.map((p) => readStat(p)?.cpuTicks ?? 0);
    await waitFor(
      () => pids.every((p, i) => (readStat(p)?.cpuTicks ?? 0) > (before[i] as number) + 5),
      10_000,
      'helpers to burn CPU',
    );
    await fault.revert();
    await fault.revert();
    for (const p of pids) expect(alive(p)).toBe(false);
    expect(await fault.verifyReverted()).toEqual([]);
  });

  it('memory-pressure holds the MB resident in a helper and releases them on revert', async () => {
    const dir = await tempDir();
    const fault = buildFault(spec({ kind: 'memory-pressure', mb: 64 }), context(dir));
    await fault.inject();
    const [pid] = (fault as unknown as { pids: number[] }).pids;
    expect(readStat(pid as number)?.rssBytes).toBeGreaterThan(60 * 1024 * 1024);
    await fault.revert();
    expect(alive(pid as number)).toBe(false);
    expect(await fault.verifyReverted()).toEqual([]);
  });

  it('disk-fill stops at the safety floor, refuses below it and deletes its file on revert', async () => {
    const dir = await tempDir();
    // A small filesystem of its own when root (MACHINE.md: tmpfs works); else the floor is set near the current free space.
    let floor = 16;
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=48m', 'tmpfs', dir]);
    } catch {
      floor = (await freeMb(dir)) - 24;
    }
    const fault = buildFault(spec({ kind: 'disk-fill', mb: 1_000_000, floor_mb: floor }), context(dir));
    await fault.inject();
    const free = await freeMb(dir);
    expect(free).toBeGreaterThanOrEqual(floor - 1);
    expect(free).toBeLessThan(floor + 20);
    expect((await readdir(dir)).filter((f) => f.startsWith('.aidos-chaos-fill-'))).toHaveLength(1);
    const path = (fault as unknown as { path: string }).path;
    await fault.revert();
    expect(existsSync(path)).toBe(false);
    expect(await fault.verifyReverted()).toEqual([]);
    const high = buildFault(
      spec({ kind: 'disk-fill', mb: 10, floor_mb: (await freeMb(dir)) + 1 }),
      context(dir),
    );
    await expect(high.inject()).rejects.toThrow(/no room above the safety floor/);
  });
});
