import { ChaosError, message } from '../errors.js';
import { runCommand } from './command.js';
import type { FaultContext, ReplicaTarget } from './context.js';
import type { Fault, Leftover } from './fault.js';
import type { FaultSpec } from './spec.js';

type Mode = 'lag' | 'stop';
const CATCH_UP_MS = 15_000;

async function run(command: string[], what: string): Promise<void> {
  const r = await runCommand(command);
  if (!r.ok) throw new ChaosError('inject', `pg-replica: chaos.replica.${what} failed: ${r.error}`);
}

/** Polls `check` every 100 ms until it returns true or `ms` pass; returns whether it did. */
async function until(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check().catch(() => false)) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Undoes what the fault did to the replica: replay resumed, or its server started; then waits
 * (bounded) until it replayed what it had received. Also what a restarted host runs from the journal.
 */
export async function restoreReplica(replica: ReplicaTarget, mode: Mode): Promise<void> {
  if (mode === 'lag') await replica.control.resumeReplay();
  else if (replica.start) await run(replica.start, 'start');
  let behind: number | string = 'unknown';
  const caughtUp = await until(async () => {
    behind = (await replica.control.status()).behindBytes;
    return behind === 0;
  }, CATCH_UP_MS);
  if (!caughtUp)
    throw new ChaosError(
      'inject',
      `pg-replica: the replica did not replay what it received within ${CATCH_UP_MS / 1000} s (${behind} bytes behind)`,
    );
}

/** The read replica stopped or lagging (replay paused): the daemon's reads must fall back to the primary. */
export class PgReplicaFault implements Fault {
  readonly kind = 'pg-replica';
  readonly target = 'read replica';
  readonly magnitude: Record<string, unknown>;
  onLeftovers?: () => void;
  private readonly replica: ReplicaTarget;
  private touched = false;
  private inForce = false;

  constructor(
    private readonly spec: Extract<FaultSpec, { kind: 'pg-replica' }>,
    ctx: FaultContext,
  ) {
    if (!ctx.replica)
      throw new ChaosError(
        'refused',
        'pg-replica: this node has no read replica (set store.read_replica_url or chaos.replica.url)',
        { field: 'kind' },
      );
    if (spec.mode === 'stop' && !ctx.replica.stop)
      throw new ChaosError(
        'refused',
        'pg-replica: mode stop needs the commands chaos.replica.stop and chaos.replica.start',
        { field: 'mode' },
      );
    this.replica = ctx.replica;
    this.magnitude = { mode: spec.mode };
  }

  get active(): boolean {
    return this.inForce;
  }

  async inject(): Promise<void> {
    if (this.touched) return;
    this.touched = true;
    // Journaled before the effect: a host killed right after still restores the replica.
    this.onLeftovers?.();
    if (this.spec.mode === 'lag') await this.replica.control.pauseReplay();
    else {
      await run(this.replica.stop!, 'stop');
      const down = await until(
        async () =>
          !(await this.replica.control.status().then(
            () => true,
            () => false,
          )),
        5_000,
      );
      if (!down)
        throw new ChaosError('inject', 'pg-replica: the replica still answers after chaos.replica.stop');
    }
    this.inForce = true;
  }

  async revert(): Promise<void> {
    if (!this.touched) return;
    this.inForce = false;
    await restoreReplica(this.replica, this.spec.mode);
    this.touched = false;
  }

  leftovers(): Leftover[] {
    return this.touched ? [{ type: 'replica', mode: this.spec.mode }] : [];
  }

  async verifyReverted(): Promise<string[]> {
    try {
      const s = await this.replica.control.status();
      if (!s.inRecovery) return ['the replica is not in recovery (no longer a standby)'];
      // Catching up is the revert's wait; here a replica still streaming writes may be a few bytes behind.
      return s.replayPaused ? ['replica WAL replay still paused'] : [];
    } catch (error) {
      return [`replica unreachable: ${message(error)}`];
    }
  }
}
