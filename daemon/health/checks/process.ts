import { monitorEventLoopDelay } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import { droppedLogLines } from '../../log/destination.js';
import type { HealthCheck } from '../types.js';

const RESOLUTION_MS = 20;

/** The daemon process itself: event loop, heap, RSS, open handles. Stops its sampler on `close`. */
export function processChecks(): { checks: HealthCheck[]; close: () => void } {
  const loop = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  loop.enable();
  const checks: HealthCheck[] = [
    {
      name: 'process:eventloop-lag',
      componentType: 'system',
      affects: 'live',
      group: 'fast',
      // A blocked loop for seconds means timers (lease renewal, gossip) miss their deadlines.
      thresholds: { warn: 500, fail: 5_000 },
      run: async () => {
        // The histogram counts the sampling interval itself; subtract it to get the lag.
        const lag = loop.count > 0 ? Math.max(0, loop.percentile(99) / 1e6 - RESOLUTION_MS) : 0;
        const max = loop.count > 0 ? Math.max(0, loop.max / 1e6 - RESOLUTION_MS) : 0;
        loop.reset();
        return {
          observedValue: Math.round(lag * 100) / 100,
          observedUnit: 'ms',
          output: `p99 since last run; max ${Math.round(max)} ms`,
        };
      },
    },
    {
      name: 'process:heap-used',
      componentType: 'system',
      affects: 'none',
      group: 'fast',
      thresholds: { warn: 85, fail: 95 },
      run: async () => {
        const heap = getHeapStatistics();
        return {
          observedValue: Math.round((heap.used_heap_size / heap.heap_size_limit) * 10_000) / 100,
          observedUnit: 'percent',
          output: `${heap.used_heap_size} of ${heap.heap_size_limit} bytes`,
        };
      },
    },
    {
      name: 'process:rss',
      componentType: 'system',
      affects: 'none',
      group: 'fast',
      run: async () => ({ observedValue: process.memoryUsage.rss(), observedUnit: 'bytes' }),
    },
    {
      name: 'process:open-handles',
      componentType: 'system',
      affects: 'none',
      group: 'fast',
      // A leak of sockets or timers shows as a count that only grows.
      thresholds: { warn: 5_000, fail: 20_000 },
      run: async () => ({ observedValue: process.getActiveResourcesInfo().length, observedUnit: 'count' }),
    },
    {
      name: 'process:log-dropped',
      componentType: 'system',
      affects: 'none',
      group: 'fast',
      // Stdout did not take the daemon's log lines (a stuck journald pipe): they were dropped.
      thresholds: { warn: 1 },
      run: async () => ({ observedValue: droppedLogLines(), observedUnit: 'count' }),
    },
  ];
  return { checks, close: () => loop.disable() };
}
