import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AgentGuard } from '../../daemon/agents/guard.js';
import { silentLogger } from '../../daemon/agents/logger.js';
import { isPidRunning } from '../../daemon/agents/proc.js';
import { startTimeOf } from '../../daemon/agents/sampler.js';
import { waitFor } from '../helpers/wait.js';

/** A stand-in agent: its own process group, with a child in it, running until killed. */
function groupWithChild(): number {
  const code =
    "require('node:child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1e9)'], { stdio: 'ignore' }); setInterval(() => {}, 1e9)";
  const child = spawn(process.execPath, ['-e', code], { detached: true, stdio: 'ignore' });
  child.unref();
  return child.pid as number;
}

describe('agent guard', () => {
  const guards: AgentGuard[] = [];
  const groups: number[] = [];
  afterEach(() => {
    for (const g of guards.splice(0)) g.close();
    for (const pgid of groups.splice(0))
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        // Already gone.
      }
  });

  it('kills a group once its heartbeats stop for longer than the bound, and not while they come', async () => {
    const guard = new AgentGuard(1_500, silentLogger);
    guards.push(guard);
    const pgid = groupWithChild();
    groups.push(pgid);
    guard.watch(pgid, startTimeOf(pgid));
    // Beats every 100 ms for longer than the bound: the group must live through all of it.
    for (let i = 0; i < 20; i++) {
      await new Promise((r) => setTimeout(r, 100));
      guard.beat([pgid]);
      expect(isPidRunning(pgid)).toBe(true);
    }
    const silentFrom = Date.now();
    await waitFor(() => !isPidRunning(pgid), 10_000, 'the guard to kill the silent group');
    expect(Date.now() - silentFrom).toBeGreaterThanOrEqual(1_400);
  });

  it('leaves a group alone once it is unwatched, and a clean close kills nothing', async () => {
    const guard = new AgentGuard(300, silentLogger);
    guards.push(guard);
    const [a, b] = [groupWithChild(), groupWithChild()];
    groups.push(a, b);
    guard.watch(a, startTimeOf(a));
    guard.watch(b, startTimeOf(b));
    guard.unwatch(a);
    await waitFor(() => !isPidRunning(b), 10_000, 'the watched group to be killed');
    expect(isPidRunning(a)).toBe(true);
    const pid = guard.pid as number;
    guard.close();
    await waitFor(() => !isPidRunning(pid), 10_000, 'the guard to exit');
    expect(isPidRunning(a)).toBe(true);
  });

  it('kills the gateway of a silent turn when the gateway does not confirm the abort in time', async () => {
    // A gateway that takes the connection and never answers, like a stopped or blocked one.
    const sockets: import('node:net').Socket[] = [];
    const mute: Server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => mute.listen(0, '127.0.0.1', resolve));
    const port = (mute.address() as { port: number }).port;
    try {
      const guard = new AgentGuard(1_000, silentLogger, undefined, 500);
      guards.push(guard);
      const gateway = groupWithChild();
      groups.push(gateway);
      guard.watchTurn({
        taskId: 't-1',
        port,
        gatewayPid: gateway,
        gatewayStart: startTimeOf(gateway),
        sessionKey: 'aidos-t-1',
        runId: 'aidos-t-1-f1',
        token: 'secret',
      });
      for (let i = 0; i < 15; i++) {
        await new Promise((r) => setTimeout(r, 100));
        guard.beatTurns(['t-1']);
        expect(isPidRunning(gateway)).toBe(true);
      }
      const silentFrom = Date.now();
      await waitFor(() => !isPidRunning(gateway), 10_000, 'the guard to kill the mute gateway');
      // The bound, then the abort's own bound: no earlier.
      expect(Date.now() - silentFrom).toBeGreaterThanOrEqual(1_400);
      expect(sockets.length).toBeGreaterThanOrEqual(1);
    } finally {
      for (const socket of sockets) socket.destroy();
      mute.close();
    }
  });
});
