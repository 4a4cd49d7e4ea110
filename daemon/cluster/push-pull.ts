import type { MemberList } from './members.js';
import { pick, type Rng } from './random.js';
import type { PeerMessage } from './types.js';

type SyncMessage = Extract<PeerMessage, { type: 'sync' }>;

/**
 * Anti-entropy: a periodic full-state exchange with one member repairs whatever gossip missed
 * (a rumour that ran out of retransmits, a member that was away). Joining is the same exchange
 * with the seeds, repeated until somebody is known.
 */
export class PushPull {
  constructor(
    private readonly members: MemberList,
    private readonly seeds: readonly string[],
    private readonly rng: Rng,
    private readonly send: (address: string, message: PeerMessage) => void,
  ) {}

  /** Still alone with seeds to try: keep calling `join` until it returns false. */
  join(): boolean {
    if (this.seeds.length === 0 || this.members.others('alive', 'suspect').length > 0) return false;
    for (const seed of this.seeds) this.send(seed, this.message(true));
    return true;
  }

  /** One periodic exchange with a random alive member (or, when none is, a dead one or a seed). */
  exchange(): void {
    const alive = this.members.others('alive');
    // With nobody alive, a dead member or a seed may be reachable again (a healed partition).
    const candidates =
      alive.length > 0
        ? alive.map((m) => m.address)
        : [...this.members.others('dead').map((m) => m.address), ...this.seeds];
    const [address] = pick(candidates, 1, this.rng);
    if (address) this.send(address, this.message(true));
  }

  /** Merges a peer's state and answers a request with ours. */
  receive(message: SyncMessage, fromAddress: string): void {
    this.members.merge(message.members, message.from);
    if (message.reply) this.send(fromAddress, this.message(false));
  }

  private message(reply: boolean): SyncMessage {
    return { type: 'sync', from: this.members.self.id, reply, members: this.members.digest() };
  }
}
