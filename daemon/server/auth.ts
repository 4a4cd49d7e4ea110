import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Constant-time check of a presented token against the configured ones. */
export function tokenMatches(presented: string | undefined, tokens: readonly string[]): boolean {
  if (!presented) return false;
  const p = digest(presented);
  let ok = false;
  for (const token of tokens) ok = timingSafeEqual(p, digest(token)) || ok;
  return ok;
}

/**
 * The bearer token of a request: `Authorization: Bearer T` (the scheme is case-insensitive, RFC
 * 7235), or `?token=T` only where `allowQuery` says so: the WebSocket upgrade, since browsers cannot
 * set headers there. Anywhere else a token in the URL would end up in access logs.
 */
export function presentedToken(req: IncomingMessage, url: URL, allowQuery = false): string | undefined {
  const match = /^bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
  if (match) return (match[1] as string).trim();
  return allowQuery ? (url.searchParams.get('token') ?? undefined) : undefined;
}

/**
 * Which configured token a request presented, for audit logs: `api.tokens[i] sha256:<8 hex>`
 * (its place in the config and a fingerprint, never the secret); null when it presented none that matches.
 */
export function tokenIdentity(presented: string | undefined, tokens: readonly string[]): string | null {
  if (!presented) return null;
  const p = digest(presented);
  let found: string | null = null;
  for (const [i, token] of tokens.entries()) {
    const d = digest(token);
    if (timingSafeEqual(p, d)) found = `api.tokens[${i}] sha256:${d.toString('hex').slice(0, 8)}`;
  }
  return found;
}

/** The caller's address as `ip:port` (IPv4-mapped IPv6 shown as IPv4). */
export function clientAddress(req: IncomingMessage): string {
  const a = req.socket.remoteAddress ?? 'unknown';
  return `${a.startsWith('::ffff:') ? a.slice(7) : a}:${req.socket.remotePort ?? 0}`;
}

/** Who sent a request, for audit logs. */
export interface Caller {
  /** The configured token it presented (see tokenIdentity), or null. */
  token: string | null;
  /** Its address. */
  client: string;
}

/** The caller of a request. */
export function callerOf(
  req: IncomingMessage,
  url: URL,
  tokens: readonly string[],
  allowQuery = false,
): Caller {
  return { token: tokenIdentity(presentedToken(req, url, allowQuery), tokens), client: clientAddress(req) };
}

/** With no tokens configured (loopback only, enforced by config), every caller counts as authenticated. */
export function isAuthenticated(
  req: IncomingMessage,
  url: URL,
  tokens: readonly string[],
  allowQuery = false,
): boolean {
  return tokens.length === 0 || tokenMatches(presentedToken(req, url, allowQuery), tokens);
}
