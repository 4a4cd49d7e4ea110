import { createHash, timingSafeEqual } from 'node:crypto';

/** The id peers use to name a key without revealing it: the first 8 hex of its SHA-256. */
export function keyId(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

/**
 * The cluster keys this node accepts. The first one is the one it proves with when it connects;
 * any of them is accepted from a connecting peer. Rotation: add the new key everywhere (accepted),
 * then make it first everywhere (used), then remove the old one (retired).
 */
export class Keyring {
  private readonly byId = new Map<string, string>();
  /** Id of the key used when connecting. */
  readonly primaryId: string;

  constructor(keys: readonly string[]) {
    if (keys.length === 0) throw new Error('a keyring needs at least one key');
    for (const key of keys) this.byId.set(keyId(key), key);
    this.primaryId = keyId(keys[0]!);
  }

  /** The key with this id, if this node accepts it. */
  find(id: string): string | undefined {
    return this.byId.get(id);
  }
}

/** Compares two hex MACs in constant time. */
export function sameMac(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}
