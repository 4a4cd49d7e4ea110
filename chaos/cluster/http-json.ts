import { X509Certificate } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { checkServerIdentity, type PeerCertificate, rootCertificates } from 'node:tls';

/** Which servers an https call trusts. */
export interface TlsTrust {
  /** CA certificates (PEM): the system's plus the configured ones. */
  ca: string[];
  /** SHA-256 fingerprint of a certificate accepted whatever name it carries (this node's own). */
  pinned?: string;
}

/** What a daemon's TLS settings make a chaos caller trust. */
export interface ChaosTls {
  /** Peers are dialled with https (cluster.tls, or this daemon serves tls.cert_file). */
  peersSecure: boolean;
  /** Trust for calls to peers: the system CAs plus cluster.ca_file. */
  peers: TlsTrust;
  /** This daemon serves https itself (tls.cert_file): its drills call it so. */
  selfSecure: boolean;
  /** Trust for calls to this daemon: the peers' plus its own certificate, pinned. */
  self: TlsTrust;
}

/** The trust a node's drills and peer calls use, from its TLS settings. */
export function chaosTls(options: { clusterTls: boolean; caPem?: string; ownCertPem?: string }): ChaosTls {
  const ca = [...rootCertificates, ...(options.caPem ? [options.caPem] : [])];
  const own = options.ownCertPem;
  return {
    peersSecure: options.clusterTls || own !== undefined,
    peers: { ca },
    selfSecure: own !== undefined,
    self: own ? { ca: [...ca, own], pinned: new X509Certificate(own).fingerprint256 } : { ca },
  };
}

/** An answer: status and body text. */
export interface HttpAnswer {
  /** HTTP status. */
  status: number;
  /** Body as text. */
  text: string;
}

/**
 * One HTTP(S) request with a JSON body and a bounded wait. Unlike fetch, an https call trusts the
 * CAs it is given (a cluster's private CA) and may pin this node's own certificate, which is
 * self-signed on a single node and named for its advertised host, not for 0.0.0.0.
 */
export function requestJson(
  url: string,
  options: {
    method: string;
    headers?: Record<string, string>;
    body?: string;
    timeoutMs: number;
    tls?: TlsTrust;
  },
): Promise<HttpAnswer> {
  const target = new URL(url);
  const secure = target.protocol === 'https:';
  const pinned = options.tls?.pinned;
  return new Promise((resolve, reject) => {
    const req = (secure ? httpsRequest : httpRequest)(
      target,
      {
        method: options.method,
        headers: {
          ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...options.headers,
        },
        ...(secure && options.tls
          ? {
              ca: options.tls.ca,
              checkServerIdentity: (host: string, cert: PeerCertificate) =>
                pinned && cert.fingerprint256 === pinned ? undefined : checkServerIdentity(host, cert),
            }
          : {}),
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        res.on('error', reject);
      },
    );
    const timer = setTimeout(
      () => req.destroy(new Error(`no answer within ${options.timeoutMs} ms`)),
      options.timeoutMs,
    );
    req.on('close', () => clearTimeout(timer));
    req.on('error', reject);
    req.end(options.body);
  });
}
