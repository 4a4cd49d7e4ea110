import { createHmac, randomBytes } from 'node:crypto';
import { Keyring, keyId, sameMac } from '../server/cluster-keys.js';

// The key helpers live beside the server's other credentials, so chaos signs its peer calls
// without reaching into this module.
export { Keyring, keyId, sameMac };

const LABEL = 'aidos-peer-v1';

/** 32 random bytes, hex: each handshake's fresh challenge. */
export function freshNonce(): string {
  return randomBytes(32).toString('hex');
}

/** What one side proves: it holds the key, for this pair of nonces and these two node ids. */
export function handshakeProof(
  key: string,
  role: 'accepting' | 'connecting',
  t: { connectingNonce: string; acceptingNonce: string; connectingNode: string; acceptingNode: string },
): string {
  return createHmac('sha256', key)
    .update(
      `${LABEL}|${role}|${t.connectingNonce}|${t.acceptingNonce}|${t.connectingNode}|${t.acceptingNode}`,
    )
    .digest('hex');
}

/** The per-session MAC key: frames of another session (a replay across connections) never verify. */
export function sessionKey(key: string, connectingNonce: string, acceptingNonce: string): Buffer {
  return createHmac('sha256', key).update(`${LABEL}|session|${connectingNonce}|${acceptingNonce}`).digest();
}

/** Direction of a frame within a session (so a frame cannot be reflected back to its sender). */
export type Direction = 'up' | 'down';

function frameMac(key: Buffer, direction: Direction, seq: number, body: string): string {
  return createHmac('sha256', key).update(`${direction}|${seq}|`).update(body).digest('hex');
}

/** Signs the frames one side sends: sequence numbers from 1, a MAC over direction, sequence and body. */
export class FrameSigner {
  private seq = 0;

  constructor(
    private readonly key: Buffer,
    private readonly direction: Direction,
  ) {}

  sign(body: string): string {
    const s = ++this.seq;
    return JSON.stringify({ s, b: body, m: frameMac(this.key, this.direction, s, body) });
  }
}

/** Why a frame was dropped. */
export type FrameRejection = 'auth' | 'replay';

/** Checks frames one side receives: a valid MAC, and a sequence number above every one seen. */
export class FrameVerifier {
  private last = 0;

  constructor(
    private readonly key: Buffer,
    private readonly direction: Direction,
  ) {}

  verify(frame: { s: number; b: string; m: string }): FrameRejection | null {
    if (!sameMac(frameMac(this.key, this.direction, frame.s, frame.b), frame.m)) return 'auth';
    if (frame.s <= this.last) return 'replay';
    this.last = frame.s;
    return null;
  }
}
