import { ChaosError, message } from '../errors.js';
import { type HttpAnswer, requestJson, type TlsTrust } from './http-json.js';
import type { PeerCall } from './peer-protocol.js';
import { PEER_CHAOS_PATH } from './peer-protocol.js';
import { PEER_SIGNATURE_HEADER, signPeerCall } from './peer-sign.js';

/** Makes signed chaos calls to other nodes' fault hosts at their advertised address. */
export type PeerCaller = <T>(address: string, call: PeerCall, timeoutMs: number) => Promise<T>;

/** How peers are reached: https or not, and which CAs an https call trusts. */
export interface PeerDial {
  /** Dial https (the cluster runs TLS). */
  secure: boolean;
  /** Trust for https: the system's CAs plus cluster.ca_file. */
  trust: TlsTrust;
}

/** A caller signing with `key`, dialling as `dial()` says when it calls (the cluster may install later). */
export function peerCaller(key: string, dial: () => PeerDial): PeerCaller {
  return async <T>(address: string, call: PeerCall, timeoutMs: number): Promise<T> => {
    const body = JSON.stringify(call);
    const { secure, trust } = dial();
    let res: HttpAnswer;
    try {
      res = await requestJson(`${secure ? 'https' : 'http'}://${address}${PEER_CHAOS_PATH}`, {
        method: 'POST',
        headers: { [PEER_SIGNATURE_HEADER]: signPeerCall(key, body) },
        body,
        timeoutMs,
        tls: trust,
      });
    } catch (cause) {
      throw new ChaosError('inject', `node at ${address} did not answer: ${message(cause)}`, { cause });
    }
    let parsed: T & { error?: { message?: string; field?: string } };
    try {
      parsed = (res.text ? JSON.parse(res.text) : {}) as typeof parsed;
    } catch (cause) {
      throw new ChaosError('inject', `node at ${address} answered HTTP ${res.status} without JSON`, {
        cause,
      });
    }
    if (res.status < 200 || res.status >= 300)
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
