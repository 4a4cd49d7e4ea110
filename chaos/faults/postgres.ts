import { ChaosError } from '../errors.js';
import type { FaultContext, PgChaosFacet, PgHold } from './context.js';
import type { Fault, Leftover } from './fault.js';
import { RepeatingFault } from './repeater.js';
import type { FaultSpec } from './spec.js';

function facet(ctx: FaultContext, kind: string): PgChaosFacet {
  if (!ctx.pg)
    throw new ChaosError('refused', `${kind}: this node does not run on PostgreSQL`, { field: 'kind' });
  return ctx.pg;
}

/** Base of faults that hold sessions (connections, a lock): revert ends them, verify asks the server. */
abstract class HoldFault implements Fault {
  abstract readonly kind: string;
  abstract readonly target: string;
  abstract readonly magnitude: Record<string, unknown>;
  private hold: PgHold | undefined;
  private heldPids: number[] = [];

  constructor(protected readonly pg: PgChaosFacet) {}

  get active(): boolean {
    return this.hold !== undefined;
  }

  protected abstract take(): Promise<PgHold>;

  async inject(): Promise<void> {
    if (this.hold) return;
    this.hold = await this.take();
    this.heldPids = this.hold.pids;
  }

  async revert(): Promise<void> {
    const hold = this.hold;
    this.hold = undefined;
    await hold?.release();
  }

  // Sessions die with the host's connections (a dead host's TCP is closed by the kernel).
  leftovers(): Leftover[] {
    return [];
  }

  async verifyReverted(): Promise<string[]> {
    if (this.heldPids.length === 0) return [];
    const left = await this.pg.countBackends(this.heldPids);
    return left ? [`${left} chaos sessions still open on PostgreSQL`] : [];
  }
}

/** Holds `connections` sessions idle in transaction, eating into max_connections. */
export class PgPoolExhaustionFault extends HoldFault {
  readonly kind = 'pg-pool-exhaustion';
  readonly target = 'PostgreSQL connections';
  readonly magnitude: Record<string, unknown>;

  constructor(
    private readonly spec: Extract<FaultSpec, { kind: 'pg-pool-exhaustion' }>,
    ctx: FaultContext,
  ) {
    super(facet(ctx, spec.kind));
    this.magnitude = { connections: spec.connections };
  }

  protected take(): Promise<PgHold> {
    return this.pg.holdConnections(this.spec.connections);
  }
}

/** Makes writes to one table wait behind a lock: the daemon's claims and completions become slow. */
export class PgSlowQueriesFault extends HoldFault {
  readonly kind = 'pg-slow-queries';
  readonly target: string;
  readonly magnitude = {};

  constructor(
    private readonly spec: Extract<FaultSpec, { kind: 'pg-slow-queries' }>,
    ctx: FaultContext,
  ) {
    super(facet(ctx, spec.kind));
    this.target = `table ${spec.table}`;
  }

  protected take(): Promise<PgHold> {
    return this.pg.lockTableWrites(this.spec.table);
  }
}

/** pg_terminate_backend on the hosting daemon's own sessions, once or every `every_ms`. */
export class PgKillConnectionsFault extends RepeatingFault implements Fault {
  readonly kind = 'pg-kill-connections';
  readonly target: string;
  readonly magnitude: Record<string, unknown>;
  /** Backends terminated so far. */
  terminated = 0;
  protected readonly timerName = 'terminate timer';
  private readonly pg: PgChaosFacet;

  constructor(
    private readonly spec: Extract<FaultSpec, { kind: 'pg-kill-connections' }>,
    private readonly ctx: FaultContext,
  ) {
    super();
    this.pg = facet(ctx, spec.kind);
    this.target = `sessions aidosd:${ctx.nodeId}`;
    this.magnitude = spec.every_ms ? { every_ms: spec.every_ms } : {};
  }

  protected async fire(): Promise<void> {
    this.terminated += await this.pg.terminateBackends(`aidosd:${this.ctx.nodeId}`);
  }

  protected everyMs(): number | undefined {
    return this.spec.every_ms;
  }
}
