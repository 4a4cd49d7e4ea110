import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { delimiter, isAbsolute, join } from 'node:path';
import { plural } from '../../../shared/plural.js';
import type { AgentHealthSource } from '../providers.js';
import type { HealthCheck } from '../types.js';

/** Where a command name resolves: itself when it holds a slash, else the first executable on PATH. */
export async function resolveCommand(command: string, path = process.env.PATH ?? ''): Promise<string | null> {
  const candidates =
    isAbsolute(command) || command.includes('/')
      ? [command]
      : path
          .split(delimiter)
          .filter(Boolean)
          .map((dir) => join(dir, command));
  for (const candidate of candidates) {
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; try the next directory
    }
  }
  return null;
}

/**
 * The agent commands this node would spawn can be found. Missing commands warn by default (a node
 * without the agent installed still serves the API); set `fail: 1` to take such a node out of rotation.
 */
export function agentCommandCheck(commands: () => string[]): HealthCheck {
  return {
    name: 'agents:command',
    componentType: 'component',
    affects: 'ready',
    group: 'fast',
    thresholds: { warn: 1 },
    run: async () => {
      const wanted = [...new Set(commands())];
      const missing: string[] = [];
      for (const command of wanted) if ((await resolveCommand(command)) === null) missing.push(command);
      return {
        observedValue: missing.length,
        observedUnit: 'count',
        output: missing.length
          ? `not found: ${missing.join(', ')}`
          : `${plural(wanted.length, 'command')} resolvable`,
      };
    },
  };
}

const HOUR = 3_600_000;

interface Sample {
  at: number;
  count: number;
}

/** Growth of a counter over the last hour (sliding), from samples taken at every run. */
function hourlyGrowth(now: () => number): (count: number) => number {
  // Starts at zero so what happened before the first run counts too.
  const samples: Sample[] = [{ at: now(), count: 0 }];
  return (count) => {
    const at = now();
    samples.push({ at, count });
    while (samples.length > 1 && (samples[1] as Sample).at <= at - HOUR) samples.shift();
    const first = samples[0] as Sample;
    return Math.max(0, count - first.count);
  };
}

/**
 * Agent log writes that failed during the last hour (a full disk): the output was dropped with a
 * marker instead of crashing the daemon, and this says so. Warns; the disk check takes the node
 * out of rotation.
 */
export function agentLogWritesCheck(
  failures: () => { count: number; droppedBytes: number; lastError: string | undefined },
  now: () => number = Date.now,
): HealthCheck {
  const growth = hourlyGrowth(now);
  return {
    name: 'agents:log-write-failures',
    componentType: 'component',
    affects: 'none',
    group: 'fast',
    thresholds: { warn: 1 },
    run: async () => {
      const f = failures();
      return {
        observedValue: growth(f.count),
        observedUnit: 'per_hour',
        output: f.count
          ? `${f.count} failed since start, ${f.droppedBytes} bytes dropped, last: ${f.lastError}`
          : 'no failed log writes',
      };
    },
  };
}

/** Checks on the agent supervisor: services up, restart rate, stuck tasks. */
export function agentSourceChecks(source: AgentHealthSource, now: () => number = Date.now): HealthCheck[] {
  const restarts = hourlyGrowth(now);
  return [
    {
      name: 'agents:services-down',
      componentType: 'component',
      affects: 'none',
      group: 'fast',
      thresholds: { warn: 1 },
      run: async () => {
        const services = await source.services();
        const down = services.filter((s) => !s.up).map((s) => s.name);
        return {
          observedValue: down.length,
          observedUnit: 'count',
          output: down.length ? `down: ${down.join(', ')}` : `${plural(services.length, 'service')} up`,
        };
      },
    },
    {
      name: 'agents:restart-rate',
      componentType: 'component',
      affects: 'none',
      group: 'fast',
      thresholds: { warn: 10, fail: 60 },
      // Restarts during the last hour (sliding), from the source's counter sampled every run.
      run: async () => ({ observedValue: restarts(source.restartCount()), observedUnit: 'per_hour' }),
    },
    {
      name: 'agents:stuck-tasks',
      componentType: 'component',
      affects: 'none',
      group: 'fast',
      thresholds: { warn: 1, fail: 5 },
      run: async () => ({ observedValue: await source.stuckTasks(), observedUnit: 'count' }),
    },
  ];
}
