import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { ChaosActiveFault } from '../../shared/api/chaos.js';
import { ChaosError, message } from '../errors.js';
import { buildFault } from '../faults/build.js';
import type { FaultContext } from '../faults/context.js';
import type { Fault } from '../faults/fault.js';
import type { FaultSpec } from '../faults/spec.js';
import { FaultJournal, type JournalEntry } from './journal.js';
import { undoLeftovers } from './leftovers.js';
import type { ResumeHandle } from './reverter.js';

/** Why a fault was reverted. */
export type RevertReason = 'deadline' | 'abort' | 'controller-lost' | 'requested' | 'restart' | 'shutdown';

/** A fault in force, as status and reports show it: the wire shape of shared/api. */
export type ActiveFaultInfo = ChaosActiveFault;

/** What a revert did, for the audit log and the report. */
export interface RevertRecord {
  /** Fault id. */
  id: string;
  /** Fault kind. */
  kind: string;
  /** Why. */
  reason: RevertReason;
  /** When (epoch ms). */
  at: number;
  /** What the outside check still found (empty = clean). */
  left: string[];
  /** Revert errors, if any. */
  errors: string[];
}

/** How a fault host is set up. */
export interface FaultHostOptions {
  /** The node's data dir (journal and default disk-fill target). */
  dataDir: string;
  /** What faults may act on. */
  context: FaultContext;
  /** Most faults in force at once (blast radius on one node). */
  maxActive?: number;
  /** A controller that sends no heartbeat for this long loses its faults (dead man's switch). */
  controllerLeaseMs?: number;
  /** Clock (tests and the host's clock injection point). */
  now?: () => number;
}

interface Slot {
  fault: Fault;
  entry: JournalEntry;
  controller: string | null;
  timer: NodeJS.Timeout;
  /** The inject in progress: a revert (deadline, abort) waits for it, so nothing it takes is left behind. */
  injecting: Promise<void> | undefined;
}

/**
 * Hosts the faults of one node and enforces their deadlines on its own: each fault is journaled
 * on disk before it is injected and reverted when its deadline passes, when its controller stops
 * sending heartbeats or disconnects, on abort, on shutdown, and — from the journal — on the next
 * start after a crash. Emits `injected` (ActiveFaultInfo) and `reverted` (RevertRecord).
 */
export class FaultHost extends EventEmitter {
  private readonly journal: FaultJournal;
  private readonly slots = new Map<string, Slot>();
  private readonly seen = new Map<string, number>();
  private readonly sweeper: NodeJS.Timeout;
  private readonly now: () => number;
  private readonly maxActive: number;
  private readonly leaseMs: number;

  constructor(private readonly options: FaultHostOptions) {
    super();
    this.journal = new FaultJournal(options.dataDir);
    this.now = options.now ?? Date.now;
    this.maxActive = options.maxActive ?? 8;
    this.leaseMs = options.controllerLeaseMs ?? 5_000;
    this.sweeper = setInterval(() => this.sweepControllers(), Math.min(250, this.leaseMs / 2));
    this.sweeper.unref();
  }

  /** Undoes what a previous process of this node left journaled; call once at start. */
  async recover(): Promise<RevertRecord[]> {
    const entries = this.journal.read((error) => this.emit('journal-corrupt', error));
    const records: RevertRecord[] = [];
    for (const entry of entries) {
      const errors = await undoLeftovers(entry.leftovers, this.options.context);
      records.push({ id: entry.id, kind: entry.kind, reason: 'restart', at: this.now(), left: [], errors });
    }
    this.journal.write([]);
    for (const r of records) this.emit('reverted', r);
    return records;
  }

  private persist(): void {
    this.journal.write([...this.slots.values()].map((s) => ({ ...s.entry, leftovers: s.fault.leftovers() })));
  }

  /** Injects a fault for `durationMs`; the deadline is enforced here whatever happens to the caller. */
  async inject(
    spec: FaultSpec,
    options: { durationMs: number; controller?: string },
  ): Promise<ActiveFaultInfo> {
    if (this.slots.size >= this.maxActive)
      throw new ChaosError('refused', `at most ${this.maxActive} faults may be in force on one node`);
    const fault = buildFault(spec, this.options.context, {
      durationMs: options.durationMs,
      leaseMs: options.controller ? this.leaseMs : 0,
    });
    const id = `f_${randomBytes(6).toString('hex')}`;
    const injectedAt = this.now();
    const entry: JournalEntry = {
      id,
      kind: fault.kind,
      target: fault.target,
      magnitude: fault.magnitude,
      injected_at: injectedAt,
      deadline_at: injectedAt + options.durationMs,
      leftovers: [],
    };
    const timer = setTimeout(() => void this.revert(id, 'deadline'), options.durationMs);
    const slot: Slot = { fault, entry, controller: options.controller ?? null, timer, injecting: undefined };
    this.slots.set(id, slot);
    if (slot.controller && !this.seen.has(slot.controller)) this.seen.set(slot.controller, this.now());
    // The fault journals what it is about to leave behind before doing it (a stopped pid, a fill file).
    fault.onLeftovers = () => {
      if (this.slots.has(id)) this.persist();
    };
    try {
      slot.injecting = fault.inject();
      await slot.injecting;
      slot.injecting = undefined;
    } catch (error) {
      clearTimeout(timer);
      this.slots.delete(id);
      await fault.revert().catch(() => {});
      throw error instanceof ChaosError
        ? error
        : new ChaosError('inject', `${fault.kind}: ${message(error)}`, { cause: error });
    }
    // Journaled once in force, with what outlives us; a revert racing the inject finds the slot gone.
    if (this.slots.has(id)) this.persist();
    const info = this.info(slot);
    this.emit('injected', info);
    return info;
  }

  private info(slot: Slot): ActiveFaultInfo {
    const { entry } = slot;
    return {
      id: entry.id,
      kind: entry.kind,
      target: entry.target,
      magnitude: entry.magnitude,
      injected_at: entry.injected_at,
      deadline_at: entry.deadline_at,
      time_left_ms: Math.max(0, entry.deadline_at - this.now()),
      controller: slot.controller,
    };
  }

  /** How a controller resumes this fault from outside the node (a paused daemon's reverter), if it can. */
  resumeHandle(id: string): ResumeHandle | undefined {
    const fault = this.slots.get(id)?.fault as { resume?: ResumeHandle } | undefined;
    return fault?.resume;
  }

  /** Faults in force with their time left. */
  list(): ActiveFaultInfo[] {
    return [...this.slots.values()].map((s) => this.info(s));
  }

  /** Reverts one fault; a fault already reverted resolves with undefined. */
  async revert(id: string, reason: RevertReason): Promise<RevertRecord | undefined> {
    const slot = this.slots.get(id);
    if (!slot) return undefined;
    this.slots.delete(id);
    clearTimeout(slot.timer);
    const errors: string[] = [];
    await slot.injecting?.catch(() => {});
    await slot.fault.revert().catch((error) => errors.push(message(error)));
    const left = await slot.fault.verifyReverted().catch((error) => [`check failed: ${message(error)}`]);
    this.persist();
    const record: RevertRecord = { id, kind: slot.fault.kind, reason, at: this.now(), left, errors };
    this.emit('reverted', record);
    return record;
  }

  /** Reverts every fault in force (abort, shutdown); resolves once all are undone. */
  async revertAll(reason: RevertReason): Promise<RevertRecord[]> {
    const records = await Promise.all([...this.slots.keys()].map((id) => this.revert(id, reason)));
    return records.filter((r): r is RevertRecord => r !== undefined);
  }

  /** A controller is alive; its faults stay in force (until their own deadline). */
  heartbeat(controller: string): void {
    this.seen.set(controller, this.now());
  }

  /** A controller went away (its socket closed): its faults are reverted at once. */
  async disconnect(controller: string): Promise<RevertRecord[]> {
    this.seen.delete(controller);
    const ids = [...this.slots.values()].filter((s) => s.controller === controller).map((s) => s.entry.id);
    const records = await Promise.all(ids.map((id) => this.revert(id, 'controller-lost')));
    return records.filter((r): r is RevertRecord => r !== undefined);
  }

  private sweepControllers(): void {
    const cutoff = this.now() - this.leaseMs;
    for (const [controller, at] of this.seen)
      if (at < cutoff) {
        this.seen.delete(controller);
        for (const slot of [...this.slots.values()])
          if (slot.controller === controller) void this.revert(slot.entry.id, 'controller-lost');
      }
  }

  /** Reverts everything and stops the sweeper. */
  async close(): Promise<RevertRecord[]> {
    clearInterval(this.sweeper);
    return this.revertAll('shutdown');
  }
}
