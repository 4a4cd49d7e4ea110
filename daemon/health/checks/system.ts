import { statfs } from 'node:fs/promises';
import { cpus, freemem, totalmem } from 'node:os';
import type { HealthCheck } from '../types.js';

function percent(part: number, whole: number): number {
  return whole > 0 ? Math.round((part / whole) * 10_000) / 100 : 0;
}

function cpuTimes(): { idle: number; total: number } {
  let idle = 0;
  let total = 0;
  for (const cpu of cpus()) {
    const t = cpu.times;
    idle += t.idle;
    total += t.user + t.nice + t.sys + t.idle + t.irq;
  }
  return { idle, total };
}

/**
 * The host: CPU load, available memory, free disk where the data dir lives. Built on node:os and
 * statfs rather than systeminformation, which adds ~11 MB of resident memory to the daemon and
 * whose currentLoad() blocks the event loop on a shell.
 */
export function systemChecks(dataDir: string): HealthCheck[] {
  let previous = cpuTimes();
  return [
    {
      name: 'system:cpu-load',
      componentType: 'system',
      affects: 'none',
      group: 'fast',
      thresholds: { warn: 90 },
      // Busy share of all cores since the previous run. Not si.currentLoad(): it runs
      // `cat /proc/stat | grep cpu` through execSync, blocking the event loop on every call.
      run: async () => {
        const now = cpuTimes();
        const total = now.total - previous.total;
        const busy = total - (now.idle - previous.idle);
        previous = now;
        return {
          observedValue: percent(busy, total),
          observedUnit: 'percent',
          output: `${cpus().length} cores`,
        };
      },
    },
    {
      name: 'system:memory-available',
      componentType: 'system',
      affects: 'none',
      group: 'fast',
      thresholds: { warn: 10, fail: 5, below: true },
      // os.freemem() is MemAvailable on Linux (libuv), the figure systeminformation reports too.
      run: async () => {
        const available = freemem();
        const total = totalmem();
        return {
          observedValue: percent(available, total),
          observedUnit: 'percent',
          output: `${available} of ${total} bytes available`,
        };
      },
    },
    {
      name: 'system:disk-free',
      componentType: 'system',
      componentId: dataDir,
      // A full disk stops the SQLite store and the journals: take the node out of rotation.
      affects: 'ready',
      group: 'fast',
      thresholds: { warn: 10, fail: 5, below: true },
      // statfs on the data dir itself rather than si.fsSize(): exact for the directory's filesystem
      // and no `df` child process every few seconds.
      run: async () => {
        const fs = await statfs(dataDir);
        const free = fs.bavail * fs.bsize;
        return {
          observedValue: percent(fs.bavail, fs.blocks),
          observedUnit: 'percent',
          output: `${free} bytes free of ${fs.blocks * fs.bsize}`,
        };
      },
    },
  ];
}
