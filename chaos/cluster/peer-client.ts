import { ChaosError, message } from '../errors.js';
import type { PeerCall } from './peer-protocol.js';
import { PEER_CHAOS_PATH } from './peer-protocol.js';
import { PEER_SIGNATURE_HEADER, signPeerCall } from './peer-sign.js';

/** Makes signed chaos calls to other nodes' fault hosts at their advertised address. */
export type PeerCaller = <T>(address: string, call: PeerCall, timeoutMs: number) => Promise<T>;

/** A caller signing with `key` over http(s) (https when the cluster runs TLS). */
export function peerCaller(key: string, secure: boolean): PeerCaller {
  return async <T>(address: string, call: PeerCall, timeoutMs: number): Promise<T> => {
    const body = JSON.stringify(call);
    let res: Response;
    let text: string;
    try {
      res = await fetch(`${secure ? 'https' : 'http'}://${address}${PEER_CHAOS_PATH}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [PEER_SIGNATURE_HEADER]: signPeerCall(key, body) },
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
      text = await res.text();
    } catch (cause) {
      throw new ChaosError('inject', `node at ${address} did not answer: ${message(cause)}`, { cause });
    }
    const parsed = (text ? JSON.parse(text) : {}) as T & { error?: { message?: string; field?: string } };
    if (!res.ok)
      throw new ChaosError(
        'refused',
        `node at ${address}: ${parsed.error?.message ?? `HTTP ${res.status}`}`,
        {
          ...(parsed.error?.field ? { field: parsed.error.field } : {}),
        },
      );
    return parsed;
  };
}
