import type { Member, MemberDigest, MemberEvent, Update } from './types.js';

/** What the member table needs from the protocol around it. */
export interface MemberHooks {
  /** Clock ms. */
  now(): number;
  /** Queue a rumour for piggybacking. */
  broadcast(update: Update): void;
  /** A membership change happened. */
  event(event: MemberEvent): void;
  /** A member became suspect, or a suspect got more accusers: start or shorten its timer; true when any accuser was new. */
  suspect(member: Member, accusers: string[]): boolean;
  /** A member is no longer suspect (refuted, dead or left): drop its timer. */
  unsuspect(id: string): void;
  /** This node refuted a rumour about itself (Lifeguard counts it against local health). */
  refuted(accuser: string | undefined): void;
  /**
   * A suspicion or death of this node at an older incarnation than its own arrived: the accuser
   * never heard the refutation (lost, and its retransmits ran out), so it must be told again.
   */
  outdated(accuser: string | undefined): void;
}

/**
 * The member table and SWIM's state rules: a rumour only wins with a newer incarnation (or a
 * stronger state at the same one: alive < suspect < dead; left is final for that incarnation), and
 * only the member itself raises its incarnation, which is how it refutes a suspicion or a death.
 */
export class MemberList {
  private readonly byId = new Map<string, Member>();
  /** This node is leaving: rumours of its departure are not refuted. */
  leaving = false;

  constructor(
    readonly self: Member,
    private readonly hooks: MemberHooks,
  ) {
    this.byId.set(self.id, self);
  }

  get(id: string): Member | undefined {
    return this.byId.get(id);
  }

  /** Every member, this node included. */
  all(): Member[] {
    return [...this.byId.values()];
  }

  /** Other members in one of `states`. */
  others(...states: Member['state'][]): Member[] {
    const out: Member[] = [];
    for (const member of this.byId.values())
      if (member.id !== this.self.id && states.includes(member.state)) out.push(member);
    return out;
  }

  /** Members not dead or left, this node included (the N of the timeouts). */
  liveCount(): number {
    let n = 0;
    for (const member of this.byId.values()) if (member.state === 'alive' || member.state === 'suspect') n++;
    return n;
  }

  /** Heard from `id` directly. */
  seen(id: string): void {
    const member = this.byId.get(id);
    if (member) member.lastSeen = this.hooks.now();
  }

  apply(update: Update): void {
    switch (update.kind) {
      case 'alive':
        this.alive(update);
        return;
      case 'suspect':
        this.suspect(update.id, update.incarnation, [update.from, ...(update.witnesses ?? [])]);
        return;
      case 'dead':
        this.dead(update);
        return;
      case 'left':
        this.left(update.id, update.incarnation);
        return;
    }
  }

  /** Merges a push-pull digest; a death it reports is only a suspicion here (memberlist does so). */
  merge(digests: readonly MemberDigest[], sender: string): void {
    for (const d of digests) {
      if (d.state === 'alive')
        this.alive({ kind: 'alive', id: d.id, address: d.address, incarnation: d.incarnation, meta: d.meta });
      else if (d.state === 'left') this.left(d.id, d.incarnation);
      else {
        if (!this.byId.has(d.id))
          this.alive({
            kind: 'alive',
            id: d.id,
            address: d.address,
            incarnation: d.incarnation,
            meta: d.meta,
          });
        this.suspect(d.id, d.incarnation, [sender]);
      }
    }
  }

  /** This node's full view for a push-pull exchange. */
  digest(): MemberDigest[] {
    return this.all().map(({ id, address, incarnation, state, meta }) => ({
      id,
      address,
      incarnation,
      state,
      meta,
    }));
  }

  /** Publishes new metadata for this node under a new incarnation. */
  updateSelf(meta: unknown): void {
    this.self.meta = meta;
    this.self.incarnation++;
    this.announceSelf();
    this.hooks.event({ kind: 'updated', member: this.self });
  }

  /** Marks this node as leaving and returns the rumour that says so. */
  leave(): Update {
    this.leaving = true;
    this.self.state = 'left';
    const update: Update = { kind: 'left', id: this.self.id, incarnation: this.self.incarnation };
    this.hooks.broadcast(update);
    return update;
  }

  /** Drops dead and left members whose state is older than `afterMs`. */
  reap(afterMs: number): void {
    const cutoff = this.hooks.now() - afterMs;
    for (const member of [...this.byId.values()]) {
      if (member.id === this.self.id) continue;
      if ((member.state === 'dead' || member.state === 'left') && member.stateSince <= cutoff) {
        this.byId.delete(member.id);
        this.hooks.event({ kind: 'reaped', member });
      }
    }
  }

  private announceSelf(): void {
    const { id, address, incarnation, meta } = this.self;
    this.hooks.broadcast({ kind: 'alive', id, address, incarnation, meta });
  }

  private refute(incarnation: number, accuser: string | undefined): void {
    if (this.leaving) return;
    this.self.incarnation = Math.max(this.self.incarnation, incarnation) + 1;
    this.announceSelf();
    this.hooks.refuted(accuser);
  }

  /**
   * An accusation at an incarnation this node already refuted: nothing to raise, but whoever still
   * holds it has not heard the refutation and, unless told, keeps it until a push-pull (30 s) or
   * declares a live node dead. The current incarnation goes to the accuser and back into gossip.
   */
  private remindOutdated(accuser: string | undefined): void {
    if (this.leaving) return;
    this.announceSelf();
    this.hooks.outdated(accuser);
  }

  private setState(member: Member, state: Member['state'], incarnation: number): void {
    member.state = state;
    member.incarnation = incarnation;
    member.stateSince = this.hooks.now();
    if (state !== 'suspect') this.hooks.unsuspect(member.id);
    this.hooks.event({ kind: state, member });
  }

  private alive(update: Extract<Update, { kind: 'alive' }>): void {
    if (update.id === this.self.id) {
      // Our own earlier life (before a restart) is still remembered at this incarnation or higher.
      if (update.incarnation >= this.self.incarnation && !this.sameAsSelf(update))
        this.refute(update.incarnation, undefined);
      return;
    }
    const member = this.byId.get(update.id);
    if (!member) {
      const now = this.hooks.now();
      const joined: Member = {
        id: update.id,
        address: update.address,
        incarnation: update.incarnation,
        state: 'alive',
        meta: update.meta,
        stateSince: now,
        lastSeen: null,
      };
      this.byId.set(joined.id, joined);
      this.hooks.broadcast(update);
      this.hooks.event({ kind: 'joined', member: joined });
      return;
    }
    if (update.incarnation <= member.incarnation) return;
    member.address = update.address;
    member.meta = update.meta;
    this.hooks.broadcast(update);
    if (member.state === 'alive') {
      member.incarnation = update.incarnation;
      this.hooks.event({ kind: 'updated', member });
    } else this.setState(member, 'alive', update.incarnation);
  }

  private sameAsSelf(update: Extract<Update, { kind: 'alive' }>): boolean {
    return update.incarnation === this.self.incarnation && update.address === this.self.address;
  }

  private suspect(id: string, incarnation: number, accusers: string[]): void {
    if (id === this.self.id) {
      if (incarnation >= this.self.incarnation) this.refute(incarnation, accusers[0]);
      else this.remindOutdated(accusers[0]);
      return;
    }
    const member = this.byId.get(id);
    if (!member || incarnation < member.incarnation) return;
    if (member.state === 'dead' || member.state === 'left') return;
    const update: Update = {
      kind: 'suspect',
      id,
      incarnation,
      from: accusers[0]!,
      witnesses: accusers.slice(1),
    };
    if (member.state === 'suspect') {
      member.incarnation = incarnation;
      if (this.hooks.suspect(member, accusers)) this.hooks.broadcast(update);
      return;
    }
    this.setState(member, 'suspect', incarnation);
    this.hooks.broadcast(update);
    this.hooks.suspect(member, accusers);
  }

  private dead(update: Extract<Update, { kind: 'dead' }>): void {
    if (update.id === this.self.id) {
      if (update.incarnation >= this.self.incarnation) this.refute(update.incarnation, update.from);
      else this.remindOutdated(update.from);
      return;
    }
    const member = this.byId.get(update.id);
    if (!member || update.incarnation < member.incarnation) return;
    if (member.state === 'dead' || member.state === 'left') return;
    this.setState(member, 'dead', update.incarnation);
    this.hooks.broadcast(update);
  }

  private left(id: string, incarnation: number): void {
    if (id === this.self.id) {
      if (incarnation >= this.self.incarnation) this.refute(incarnation, undefined);
      return;
    }
    const member = this.byId.get(id);
    if (!member || incarnation < member.incarnation || member.state === 'left') return;
    this.setState(member, 'left', incarnation);
    this.hooks.broadcast({ kind: 'left', id, incarnation });
  }
}
