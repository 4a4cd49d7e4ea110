import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { mkdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ChaosError, message } from '../errors.js';
import type { FaultContext } from './context.js';
import type { Fault, Leftover } from './fault.js';
import type { FaultSpec } from './spec.js';

type Spec = Extract<FaultSpec, { kind: 'io-throttle' }>;

/** Where cgroup v1's blkio controller is mounted. */
export const BLKIO = '/sys/fs/cgroup/blkio';
const LIMITS = ['read_bps', 'write_bps', 'read_iops', 'write_iops'] as const;

function refused(field: string, text: string): ChaosError {
  return new ChaosError('refused', `io-throttle: ${text}`, { field });
}

/** The whole disk (major:minor) holding `path`: blk-throttle limits disks, not partitions. */
export function blockDevice(path: string): string | undefined {
  const dev = statSync(path, { bigint: true }).dev;
  const major = Number(((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn));
  const minor = Number((dev & 0xffn) | ((dev >> 12n) & ~0xffn));
  const sys = `/sys/dev/block/${major}:${minor}`;
  if (major === 0 || !existsSync(sys)) return undefined;
  if (!existsSync(join(sys, 'partition'))) return `${major}:${minor}`;
  return readFileSync(join(dirname(realpathSync(sys)), 'dev'), 'utf8').trim();
}

/** The blkio cgroup directory a process is in now. */
function blkioCgroupOf(pid: number): string {
  const line = readFileSync(`/proc/${pid}/cgroup`, 'utf8')
    .split('\n')
    .find((l) => l.split(':')[1]?.split(',').includes('blkio'));
  return join(BLKIO, line?.split(':')[2] ?? '/');
}

/**
 * Moves every process of `dir` back to `backTo` and removes the cgroup (its limits go with it);
 * also what a restarted host runs from the journal.
 */
export async function removeBlkioCgroup(dir: string, backTo: string): Promise<void> {
  for (let attempt = 0; existsSync(dir); attempt++) {
    const pids = (await readFile(join(dir, 'cgroup.procs'), 'utf8')).split('\n').filter(Boolean);
    for (const pid of pids) await writeFile(join(backTo, 'cgroup.procs'), pid).catch(() => {});
    try {
      await rmdir(dir);
    } catch (error) {
      // A process forked while we moved the others: move again (bounded).
      if (attempt >= 20) throw error;
    }
  }
}

/**
 * IO throttling of the data dir's disk with cgroup v1 blkio (root only): the target processes go
 * into a cgroup of their own whose throttle files limit reads and writes on that disk; children
 * they start inherit it. Direct IO and the writes a process syncs itself (fsync, as SQLite commits)
 * are held to the limit; buffered writes flushed later by the kernel's writeback threads are not.
 */
export class IoThrottleFault implements Fault {
  readonly kind = 'io-throttle';
  readonly target: string;
  readonly magnitude: Record<string, unknown>;
  onLeftovers?: () => void;
  private readonly device: string;
  private readonly dir = join(BLKIO, `aidos-chaos-${randomBytes(4).toString('hex')}`);
  private backTo = BLKIO;
  private moved: number[] = [];
  private touched = false;

  constructor(
    private readonly spec: Spec,
    private readonly ctx: FaultContext,
  ) {
    if (process.getuid?.() !== 0) throw refused('kind', 'cgroup blkio throttling needs root');
    if (!existsSync(join(BLKIO, 'blkio.throttle.write_bps_device')))
      throw refused('kind', `cgroup v1 blkio throttling is not available (no ${BLKIO}/blkio.throttle.*)`);
    if (!LIMITS.some((l) => spec[l] !== undefined))
      throw refused('write_bps', `give at least one of ${LIMITS.join(', ')}`);
    const path = spec.path ?? ctx.dataDir;
    let device: string | undefined;
    try {
      device = blockDevice(path);
    } catch (error) {
      throw refused('path', `${path}: ${message(error)}`);
    }
    if (!device) throw refused('path', `${path} is on no block device (tmpfs, overlay, network filesystem)`);
    this.device = device;
    this.target = `${JSON.stringify(spec.target)} on ${device} (${path})`;
    this.magnitude = Object.fromEntries(LIMITS.filter((l) => spec[l] !== undefined).map((l) => [l, spec[l]]));
  }

  get active(): boolean {
    return this.touched;
  }

  async inject(): Promise<void> {
    if (this.touched) return;
    const pids = await this.ctx.processes(this.spec.target);
    if (pids.length === 0) throw refused('target', `no process matches ${JSON.stringify(this.spec.target)}`);
    this.backTo = blkioCgroupOf(pids[0]!);
    this.touched = true;
    this.onLeftovers?.();
    await mkdir(this.dir);
    for (const limit of LIMITS) {
      const value = this.spec[limit];
      if (value !== undefined)
        await writeFile(join(this.dir, `blkio.throttle.${limit}_device`), `${this.device} ${value}`);
    }
    for (const pid of pids) {
      await writeFile(join(this.dir, 'cgroup.procs'), String(pid));
      this.moved.push(pid);
    }
  }

  async revert(): Promise<void> {
    if (!this.touched) return;
    await removeBlkioCgroup(this.dir, this.backTo);
    this.touched = false;
  }

  leftovers(): Leftover[] {
    return this.touched ? [{ type: 'blkio-cgroup', path: this.dir, back_to: this.backTo }] : [];
  }

  async verifyReverted(): Promise<string[]> {
    const left = existsSync(this.dir) ? [`blkio cgroup ${this.dir} still there`] : [];
    for (const pid of this.moved)
      if (existsSync(`/proc/${pid}`) && blkioCgroupOf(pid) === this.dir)
        left.push(`pid ${pid} still throttled`);
    return left;
  }
}
