import type { Clock } from '../agents/clock.js';
import { Awareness } from './awareness.js';
import { BroadcastQueue } from './broadcasts.js';
import { LinkTimings } from './links.js';
import { MemberList } from './members.js';
import { pushPullInterval, retransmitLimit, type SwimParams, suspicionBounds } from './params.js';
import { ProbeOrder } from './probe-order.js';
import { PushPull } from './push-pull.js';
import { pick, type Rng } from './random.js';
import { Suspicion } from './suspicion.js';
import type { Transport } from './transport.js';
import type { Member, MemberEvent, PeerMessage, Update } from './types.js';

/** What one member needs to run the protocol. */
export interface SwimOptions {
  /** This node's id. */
  id: string;
  /** Its first metadata. */
  meta: unknown;
  /** Timing knobs (a profile). */
  params: SwimParams;
  /** The profile a member advertises in its metadata (undefined: none); timings toward it are the slower. */
  paramsOf?: (meta: unknown) => SwimParams | undefined;
  /** Time source (the simulation's or the system's). */
  clock: Clock;
  /** Randomness (seeded in tests). */
  rng: Rng;
  /** How messages travel. */
  transport: Transport;
  /** Starting incarnation (a restarted node refutes its old life anyway). */
  incarnation?: number;
}

/** Protocol counters (for /metrics and the benchmark). */
export interface SwimStats {
  /** Probes started (round-robin and suspect re-probes). */
  probes: number;
  /** Probes that got no ack, directly or indirectly. */
  probeFailures: number;
  /** Suspicions this node raised itself. */
  suspicions: number;
  /** Rumours about this node it refuted. */
  refutations: number;
  /** Messages sent and received, by type. */
  sent: Record<string, number>;
  /** Messages received, by type. */
  received: Record<string, number>;
  /** When the last message from a peer arrived (clock ms; null: never). */
  lastMessageAt: number | null;
}

interface Pending {
  seq: number;
  acked: boolean;
  witnesses: string[];
  onAck?: () => void;
  onNack?: () => void;
}

/**
 * One SWIM member with Lifeguard's refinements: a probe per period (round-robin over a shuffled
 * list), ping-req through k others on timeout, suspicion timed by cluster size and shortened by
 * independent confirmations, local health awareness, updates piggybacked with ~log N retransmits,
 * periodic push-pull, and a broken connection taken as a reason to probe now, not as a verdict.
 */
export class Swim {
  readonly members: MemberList;
  readonly awareness: Awareness;
  readonly stats: SwimStats = {
    probes: 0,
    probeFailures: 0,
    suspicions: 0,
    refutations: 0,
    sent: {},
    received: {},
    lastMessageAt: null,
  };
  private readonly broadcasts: BroadcastQueue;
  private readonly suspicions = new Map<string, Suspicion>();
  private readonly pending = new Map<number, Pending>();
  private readonly probing = new Set<string>();
  private readonly order: ProbeOrder;
  private readonly links: LinkTimings;
  private readonly listeners: ((event: MemberEvent) => void)[] = [];
  private readonly timers = new Set<unknown>();
  private seq = 1;
  private pushPull!: PushPull;
  private running = false;

  constructor(private readonly options: SwimOptions) {
    const { clock, params } = options;
    this.awareness = new Awareness(params.awarenessMax);
    this.order = new ProbeOrder(options.id, params.probeIntervalMs);
    this.links = new LinkTimings(params, options.paramsOf);
    this.broadcasts = new BroadcastQueue(() => retransmitLimit(params, this.members.liveCount()));
    const now = clock.now();
    this.members = new MemberList(
      {
        id: options.id,
        address: options.transport.address,
        incarnation: options.incarnation ?? 0,
        state: 'alive',
        meta: options.meta,
        stateSince: now,
        lastSeen: null,
      },
      {
        now: () => clock.now(),
        broadcast: (update) => this.broadcasts.add(update),
        event: (event) => this.emit(event),
        suspect: (member, accusers) => this.suspectTimer(member, accusers),
        unsuspect: (id) => {
          this.suspicions.get(id)?.cancel();
          this.suspicions.delete(id);
        },
        refuted: (accuser) => {
          this.stats.refutations++;
          this.awareness.apply(1);
          this.answerAccuser(accuser);
        },
        outdated: (accuser) => this.answerAccuser(accuser),
      },
    );
    options.transport.onMessage((message, from) => this.receive(message, from));
    options.transport.onHint((address) => this.hint(address));
  }

  get id(): string {
    return this.options.id;
  }

  /** The transport this member speaks through. */
  get transport(): Transport {
    return this.options.transport;
  }

  /** Subscribes to membership changes. */
  on(listener: (event: MemberEvent) => void): void {
    this.listeners.push(listener);
  }

  /** Starts probing and syncing, and contacts the seeds (host:port) until one answers. */
  start(seeds: readonly string[] = []): void {
    this.running = true;
    const own = this.options.transport.address;
    this.pushPull = new PushPull(
      this.members,
      seeds.filter((s) => s !== own),
      this.options.rng,
      (address, message) => this.send(address, message),
    );
    this.join();
    // Probes fall on period boundaries of the clock, so members agree on the period (probe-order.ts).
    const interval = this.options.params.probeIntervalMs;
    this.after(this.order.delayToNext(this.options.clock.now(), interval), () => this.tick());
    this.after(this.options.rng() * this.options.params.pushPullIntervalMs, () => this.pushPullTick());
    this.after(this.options.rng() * this.options.params.gossipIntervalMs, () => this.gossipTick());
  }

  /** Publishes new metadata under a new incarnation. */
  updateMeta(meta: unknown): void {
    this.members.updateSelf(meta);
  }

  /** Graceful leave: tells every live member directly and through gossip, then stops probing. */
  leave(): void {
    const update = this.members.leave();
    for (const member of this.members.others('alive', 'suspect'))
      this.send(member.address, { type: 'gossip', from: this.id, updates: [update] });
    this.stop();
  }

  /** Stops every timer; the transport stays open (its owner closes it). */
  stop(): void {
    this.running = false;
    for (const timer of this.timers) this.options.clock.clearTimer(timer);
    this.timers.clear();
    for (const suspicion of this.suspicions.values()) suspicion.cancel();
    this.suspicions.clear();
    this.pending.clear();
  }

  private emit(event: MemberEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  private after(ms: number, fn: () => void): void {
    const timer = this.options.clock.setTimer(() => {
      this.timers.delete(timer);
      if (this.running) fn();
    }, ms);
    this.timers.add(timer);
  }

  private send(address: string, message: PeerMessage): void {
    this.stats.sent[message.type] = (this.stats.sent[message.type] ?? 0) + 1;
    this.options.transport.send(address, message);
  }

  private piggyback(): Update[] {
    return this.broadcasts.take(this.options.params.maxPiggyback);
  }

  private join(): void {
    // Seeds may not be up yet: keep trying every probe interval until someone is known.
    if (this.pushPull.join()) this.after(this.options.params.probeIntervalMs, () => this.join());
  }

  private tick(): void {
    const { params, clock } = this.options;
    const now = clock.now();
    this.members.reap(params.reapAfterMs);
    const live = this.members.others('alive', 'suspect');
    const target = this.order.next(new Set(live.map((m) => m.id)), now);
    if (target) this.probe(this.members.get(target)!);
    // Lifeguard's buddy system: a suspect hears of its suspicion from us each period, so it can refute.
    const suspects = live.filter((m) => m.state === 'suspect' && m.id !== target);
    if (suspects.length > 0) {
      const suspect = suspects[Math.floor(this.options.rng() * suspects.length)]!;
      this.ping(suspect, []);
    }
    this.after(this.order.delayToNext(now, this.awareness.scale(params.probeIntervalMs)), () => this.tick());
  }

  private pushPullTick(): void {
    this.pushPull.exchange();
    this.after(pushPullInterval(this.options.params, this.members.liveCount()), () => this.pushPullTick());
  }

  private gossipTick(): void {
    const { params, rng } = this.options;
    if (this.broadcasts.size > 0)
      for (const member of pick(this.members.others('alive', 'suspect'), params.gossipNodes, rng)) {
        const updates = this.piggyback();
        if (updates.length === 0) break;
        this.send(member.address, { type: 'gossip', from: this.id, updates });
      }
    this.after(params.gossipIntervalMs, () => this.gossipTick());
  }

  /** Sends a ping carrying the member's own suspicion first (so it can refute); returns the pending probe. */
  private ping(target: Member, witnesses: string[]): Pending {
    const seq = this.seq++;
    const probe: Pending = { seq, acked: false, witnesses };
    this.pending.set(seq, probe);
    const updates = this.piggyback();
    if (target.state === 'suspect')
      updates.unshift({ kind: 'suspect', id: target.id, incarnation: target.incarnation, from: this.id });
    this.send(target.address, { type: 'ping', seq, from: this.id, to: target.id, updates });
    this.after(this.awareness.scale(this.links.toward(target).probeIntervalMs), () =>
      this.pending.delete(seq),
    );
    return probe;
  }

  private probe(target: Member): void {
    const { rng } = this.options;
    const params = this.links.toward(target);
    // One probe of a member at a time: repeated hints (a flapping connection) do not pile up.
    if (this.probing.has(target.id)) return;
    this.probing.add(target.id);
    this.after(this.awareness.scale(params.probeIntervalMs), () => this.probing.delete(target.id));
    this.stats.probes++;
    const probe = this.ping(target, []);
    const timeout = this.awareness.scale(params.probeTimeoutMs);
    const interval = this.awareness.scale(params.probeIntervalMs);
    this.after(timeout, () => {
      if (probe.acked) {
        this.awareness.apply(-1);
        return;
      }
      const seq = probe.seq;
      const others = this.members.others('alive').filter((m) => m.id !== target.id);
      const helpers = this.links.helpers(target, others, rng);
      const window = interval - timeout;
      for (const helper of helpers)
        this.send(helper.address, {
          type: 'ping-req',
          seq,
          from: this.id,
          target: target.id,
          address: target.address,
          // Half the window: the helper's nack (a confirmation) still arrives before the window ends.
          timeoutMs: Math.floor(window * 0.5),
          updates: this.piggyback(),
        });
      let settled = false;
      const verdict = () => {
        if (probe.acked || settled) return;
        settled = true;
        this.stats.probeFailures++;
        // Lifeguard: a helper that did not even nack means we (or our links) are the slow ones.
        this.awareness.apply(helpers.length > 0 ? helpers.length - probe.witnesses.length : 1);
        const current = this.members.get(target.id);
        if (!current || current.state === 'dead' || current.state === 'left') return;
        if (current.state === 'alive') this.stats.suspicions++;
        this.members.apply({
          kind: 'suspect',
          id: current.id,
          incarnation: current.incarnation,
          from: this.id,
          witnesses: probe.witnesses,
        });
      };
      // Every helper reported its own failure: nothing more can arrive, so decide now.
      if (helpers.length > 0) probe.onNack = () => probe.witnesses.length >= helpers.length && verdict();
      this.after(window, verdict);
    });
  }

  private suspectTimer(member: Member, reported: string[]): boolean {
    // Witnesses are the accuser's own evidence: only the accuser counts them, others count accusers.
    const accusers = reported[0] === this.id ? reported : reported.slice(0, 1);
    const existing = this.suspicions.get(member.id);
    if (existing) {
      let moved = false;
      for (const accuser of accusers) moved = existing.confirm(accuser) || moved;
      return moved;
    }
    const bounds = suspicionBounds(this.links.toward(member), this.members.liveCount());
    const incarnation = member.incarnation;
    const suspicion = new Suspicion(
      accusers[0]!,
      bounds.confirmations,
      // A confirmed suspicion rests on others' failed probes: only the lone accuser's max is stretched.
      bounds.minMs,
      Math.max(bounds.minMs, this.awareness.scale(bounds.maxMs)),
      this.options.clock,
      () => {
        this.suspicions.delete(member.id);
        const verdict: Update = { kind: 'dead', id: member.id, incarnation, from: this.id };
        this.members.apply(verdict);
        // Our own verdict (rare) goes to everyone at once, as SWIM's multicast did; gossip covers losses.
        for (const other of this.members.others('alive', 'suspect'))
          this.send(other.address, { type: 'gossip', from: this.id, updates: [verdict] });
      },
    );
    for (const accuser of accusers.slice(1)) suspicion.confirm(accuser);
    this.suspicions.set(member.id, suspicion);
    // Tell the suspect at once (Lifeguard) and again halfway to the minimum: two chances to refute.
    if (accusers[0] === this.id) {
      this.ping(member, []);
      this.after(bounds.minMs / 2, () => {
        const now = this.members.get(member.id);
        if (now?.state === 'suspect' && now.incarnation === incarnation) this.ping(now, []);
      });
    }
    return true;
  }

  /** The accuser hears the refutation straight away; gossip carries it to the rest. */
  private answerAccuser(accuser: string | undefined): void {
    const member = accuser === undefined ? undefined : this.members.get(accuser);
    if (!member || member.id === this.id) return;
    const { id, address, incarnation, meta } = this.members.self;
    this.send(member.address, {
      type: 'gossip',
      from: this.id,
      updates: [{ kind: 'alive', id, address, incarnation, meta }],
    });
  }

  /** A member we hold dead is talking to us: tell it, so it refutes instead of waiting for push-pull. */
  private reviveHint(from: string, address: string): void {
    const member = this.members.get(from);
    if (member?.state !== 'dead') return;
    this.send(address, {
      type: 'gossip',
      from: this.id,
      updates: [{ kind: 'dead', id: member.id, incarnation: member.incarnation, from: this.id }],
    });
  }

  private hint(address: string): void {
    if (!this.running) return;
    const member = this.members.others('alive', 'suspect').find((m) => m.address === address);
    if (member) this.probe(member);
  }

  private receive(message: PeerMessage, fromAddress: string): void {
    if (!this.running) return;
    this.stats.received[message.type] = (this.stats.received[message.type] ?? 0) + 1;
    this.stats.lastMessageAt = this.options.clock.now();
    this.members.seen(message.from);
    this.reviveHint(message.from, fromAddress);
    if (message.type === 'sync') {
      this.pushPull.receive(message, fromAddress);
      return;
    }
    for (const update of message.updates) this.members.apply(update);
    switch (message.type) {
      case 'ping':
        if (message.to !== this.id) return; // an old address of someone else: stay quiet
        this.send(fromAddress, { type: 'ack', seq: message.seq, from: this.id, updates: this.piggyback() });
        return;
      case 'ack': {
        const probe = this.pending.get(message.seq);
        if (!probe) return;
        probe.acked = true;
        probe.onAck?.();
        return;
      }
      case 'nack': {
        const probe = this.pending.get(message.seq);
        if (!probe || probe.witnesses.includes(message.from)) return;
        probe.witnesses.push(message.from);
        probe.onNack?.();
        return;
      }
      case 'ping-req':
        this.relay(message, fromAddress);
        return;
      case 'gossip':
        return;
    }
  }

  /** Probes `target` for a requester; acks back on success, nacks (a witness of the failure) on timeout. */
  private relay(message: Extract<PeerMessage, { type: 'ping-req' }>, requester: string): void {
    const seq = this.seq++;
    const relay: Pending = {
      seq,
      acked: false,
      witnesses: [],
      onAck: () =>
        this.send(requester, { type: 'ack', seq: message.seq, from: this.id, updates: this.piggyback() }),
    };
    this.pending.set(seq, relay);
    this.send(message.address, {
      type: 'ping',
      seq,
      from: this.id,
      to: message.target,
      updates: this.piggyback(),
    });
    const timeout = Math.min(message.timeoutMs, this.options.params.probeIntervalMs * 4);
    this.after(Math.max(0, timeout), () => {
      this.pending.delete(seq);
      if (!relay.acked)
        this.send(requester, { type: 'nack', seq: message.seq, from: this.id, updates: this.piggyback() });
    });
  }
}
