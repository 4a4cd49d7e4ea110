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

/** The bearer token of a request: `Authorization: Bearer T`, or `?token=T` for WebSocket clients that cannot set headers. */
export function presentedToken(req: IncomingMessage, url: URL): string | undefined {
  const header = req.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice('Bearer '.length).trim();
  return url.searchParams.get('token') ?? undefined;
}

/** With no tokens configured (loopback only, enforced by config), every caller counts as authenticated. */
export function isAuthenticated(req: IncomingMessage, url: URL, tokens: readonly string[]): boolean {
  return tokens.length === 0 || tokenMatches(presentedToken(req, url), tokens);
}
