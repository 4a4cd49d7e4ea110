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

/** With no tokens configured (loopback only, enforced by config), every caller counts as authenticated. */
export function isAuthenticated(
  req: IncomingMessage,
  url: URL,
  tokens: readonly string[],
  allowQuery = false,
): boolean {
  return tokens.length === 0 || tokenMatches(presentedToken(req, url, allowQuery), tokens);
}
