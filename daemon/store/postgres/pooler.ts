import type pg from 'pg';

const SERVER_PORT = 'SELECT inet_server_port() AS port';

/**
 * Whether a connection pooler (PgBouncer and the like) sits between the URL and the server: the
 * server's own port differs from the one the URL names. Behind a transaction pooler LISTEN/NOTIFY
 * cannot work (the session is not kept), so `store.direct_url` must name the server itself.
 * Returns a warning to log, or undefined when all is well.
 */
export async function poolerWarning(
  pool: pg.Pool,
  url: string,
  directUrl: string | undefined,
): Promise<string | undefined> {
  if (directUrl) return undefined;
  let urlPort = 5432;
  try {
    const parsed = new URL(url);
    if (parsed.port) urlPort = Number(parsed.port);
  } catch {
    return undefined;
  }
  const port = (await pool.query<{ port: number | null }>(SERVER_PORT)).rows[0]?.port;
  // A Unix-socket connection has no port to compare.
  if (port === null || port === undefined || port === urlPort) return undefined;
  return (
    `store.url reaches a server listening on port ${port} through port ${urlPort}: a connection pooler ` +
    'is in between and store.direct_url is not set, so LISTEN/NOTIFY cannot wake workers; claims fall ' +
    'back to polling every tasks.poll_interval (set store.direct_url to the server itself)'
  );
}
