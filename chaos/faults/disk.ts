import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { open, rm, statfs } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ChaosError } from '../errors.js';
import type { FaultContext } from './context.js';
import type { Fault, Leftover } from './fault.js';
import type { FaultSpec } from './spec.js';

const MB = 1024 * 1024;

/** Free MB for unprivileged writers on the filesystem holding `dir`. */
export async function freeMb(dir: string): Promise<number> {
  const s = await statfs(dir);
  return Math.floor((s.bavail * s.bsize) / MB);
}

/**
 * Writes up to `mb` MB into one file on the filesystem of the data dir, never leaving less than
 * `floor_mb` free (checked before and while writing), and deletes the file on revert.
 */
export class DiskFillFault implements Fault {
  readonly kind = 'disk-fill';
  readonly target: string;
  readonly magnitude: Record<string, unknown>;
  /** MB actually written (the floor may cut it short). */
  writtenMb = 0;
  private file: string | undefined;
  /** Every file it ever wrote, so the check after revert looks at the real disk. */
  private readonly created: string[] = [];
  onLeftovers?: () => void;
  private readonly dir: string;

  constructor(
    private readonly spec: Extract<FaultSpec, { kind: 'disk-fill' }>,
    ctx: FaultContext,
  ) {
    this.dir = resolve(spec.path ?? ctx.dataDir);
    this.target = this.dir;
    this.magnitude = { mb: spec.mb, floor_mb: spec.floor_mb };
  }

  get active(): boolean {
    return this.file !== undefined;
  }

  /** The fill file while active. */
  get path(): string | undefined {
    return this.file;
  }

  async inject(): Promise<void> {
    if (this.file) return;
    const room = (await freeMb(this.dir)) - this.spec.floor_mb;
    if (room < 1)
      throw new ChaosError(
        'refused',
        `disk-fill: ${this.dir} has no room above the safety floor of ${this.spec.floor_mb} MB`,
        { field: 'floor_mb' },
      );
    const target = Math.min(this.spec.mb, room);
    const file = join(this.dir, `.aidos-chaos-fill-${randomBytes(4).toString('hex')}`);
    this.file = file;
    this.created.push(file);
    this.onLeftovers?.();
    const chunk = Buffer.alloc(MB, 0);
    const handle = await open(file, 'wx');
    try {
      for (let i = 0; i < target; i++) {
        // Someone else may be writing too: re-check the floor every 16 MB.
        if (i % 16 === 15 && (await freeMb(this.dir)) <= this.spec.floor_mb) break;
        await handle.write(chunk, 0, MB);
        this.writtenMb++;
      }
      await handle.sync();
    } catch (cause) {
      await handle.close();
      await this.revert();
      throw new ChaosError('inject', `disk-fill: writing ${file} failed: ${(cause as Error).message}`, {
        cause,
      });
    }
    await handle.close();
    this.magnitude.written_mb = this.writtenMb;
  }

  async revert(): Promise<void> {
    const file = this.file;
    if (!file) return;
    await rm(file, { force: true });
    this.file = undefined;
  }

  leftovers(): Leftover[] {
    return this.file ? [{ type: 'file', path: this.file }] : [];
  }

  async verifyReverted(): Promise<string[]> {
    return this.created.filter((f) => existsSync(f)).map((f) => `${f} still exists`);
  }
}
