import { createHmac } from 'node:crypto';
import { Keyring, keyId, sameMac } from '../../daemon/server/cluster-keys.js';

/** Header carrying a node-to-node chaos call's signature: `<key id>.<epoch ms>.<hex HMAC>`. */
export const PEER_SIGNATURE_HEADER = 'x-aidos-chaos-peer';
/** A signed call older or newer than this is refused (clock skew plus transit). */
const WINDOW_MS = 30_000;
const LABEL = 'aidos-chaos-peer-v1';

function mac(key: string, at: number, body: string): string {
  return createHmac('sha256', key).update(`${LABEL}.${at}.${body}`).digest('hex');
}

/** Signs a chaos peer call with the cluster key (the first key of the ring, as the peer link does). */
export function signPeerCall(key: string, body: string, at = Date.now()): string {
  return `${keyId(key)}.${at}.${mac(key, at, body)}`;
}

/**
 * Checks a signature against the keys this node accepts; returns the error text or null. A MAC is
 * accepted once (a replay inside the window is refused), so a captured call cannot be sent again.
 */
export class PeerCallVerifier {
  private readonly ring: Keyring;
  private readonly seen = new Map<string, number>();

  constructor(keys: readonly string[]) {
    this.ring = new Keyring(keys);
  }

  verify(header: string | undefined, body: string, now = Date.now()): string | null {
    const [id, atText, presented] = (header ?? '').split('.');
    const key = id ? this.ring.find(id) : undefined;
    if (!key || !atText || !presented) return 'not signed with a cluster key this node accepts';
    const at = Number(atText);
    if (!Number.isFinite(at) || Math.abs(now - at) > WINDOW_MS) return 'signature outside its time window';
    if (!sameMac(presented, mac(key, at, body))) return 'bad signature';
    for (const [m, t] of this.seen) if (t < now - WINDOW_MS) this.seen.delete(m);
    if (this.seen.has(presented)) return 'replayed call';
    this.seen.set(presented, now);
    return null;
  }
}
