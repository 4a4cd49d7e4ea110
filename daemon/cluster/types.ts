/** Where a member stands in gossip. */
export type MemberState = 'alive' | 'suspect' | 'dead' | 'left';

/** A member as this node knows it. `meta` is opaque to the protocol (the module validates it). */
export interface Member {
  /** Node id (unique in the cluster). */
  id: string;
  /** host:port its transport listens on. */
  address: string;
  /** Its own counter; only it raises it, to refute suspicion or publish new metadata. */
  incarnation: number;
  /** Gossip state. */
  state: MemberState;
  /** Metadata the member publishes (roles, slots, load, …). */
  meta: unknown;
  /** When this node last changed the member's state (clock ms). */
  stateSince: number;
  /** When this node last heard from the member directly (clock ms; null: never). */
  lastSeen: number | null;
}

/** A rumour piggybacked on protocol messages. */
export type Update =
  | { kind: 'alive'; id: string; address: string; incarnation: number; meta: unknown }
  | { kind: 'suspect'; id: string; incarnation: number; from: string; witnesses?: string[] }
  | { kind: 'dead'; id: string; incarnation: number; from: string }
  | { kind: 'left'; id: string; incarnation: number };

/** One member's full record in a push-pull exchange. */
export interface MemberDigest {
  /** Node id. */
  id: string;
  /** host:port. */
  address: string;
  /** Its incarnation as the sender knows it. */
  incarnation: number;
  /** Its state as the sender knows it. */
  state: MemberState;
  /** Its metadata as the sender knows it. */
  meta: unknown;
}

/** The messages members exchange (one per transport frame). */
export type PeerMessage =
  | { type: 'ping'; seq: number; from: string; to: string; updates: Update[] }
  | { type: 'ack'; seq: number; from: string; updates: Update[] }
  | { type: 'nack'; seq: number; from: string; updates: Update[] }
  | {
      type: 'ping-req';
      seq: number;
      from: string;
      target: string;
      address: string;
      timeoutMs: number;
      updates: Update[];
    }
  | { type: 'gossip'; from: string; updates: Update[] }
  | { type: 'sync'; from: string; reply: boolean; members: MemberDigest[] };

/** Something that changed in the membership, for the module's view and metrics. */
export interface MemberEvent {
  /** joined: first seen; updated: metadata or incarnation; the rest: state changes. */
  kind: 'joined' | 'updated' | 'alive' | 'suspect' | 'dead' | 'left' | 'reaped';
  /** The member after the change. */
  member: Member;
}
