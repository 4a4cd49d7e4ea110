import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { AgentProfile } from '../../daemon/agents/index.js';
import { isPidRunning } from '../../daemon/agents/index.js';
import { STANDIN, standinArgs } from './standin-config.js';

export { STANDIN };

/** Compiled helper that starts an agent and waits to be killed (parent-death test). */
export const AGENT_PARENT = resolve('dist/test/fixtures/agent-parent.js');

/** A profile running the stand-in the way the built-in openclaw profile runs OpenClaw, plus --attempt. */
export function standinProfile(overrides: Partial<AgentProfile> = {}): AgentProfile {
  return {
    name: 'standin',
    command: process.execPath,
    args: standinArgs(),
    env: {},
    cwd: undefined,
    slots: undefined,
    timeoutMs: 10_000,
    memoryLimitMb: undefined,
    ...overrides,
  };
}

/** A temp directory removed by the returned cleanup. */
export function tempDir(prefix = 'aidos-agents-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Running and not a zombie (kill -0 would say yes to a zombie). */
export function isAlive(pid: number): boolean {
  return isPidRunning(pid);
}

/** Best-effort KILL of a process group and a pid, for afterEach cleanup. */
export function killQuietly(pid: number): void {
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}
