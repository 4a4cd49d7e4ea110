import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { TurnQueue } from '../util/turn-queue.js';
import { ApiError, toApiError } from './api-error.js';
import { type Caller, callerOf, isAuthenticated } from './auth.js';
import { readJsonBody } from './body.js';
import { FirstReadPacer } from './first-read-pacer.js';
import { type HttpRoute, Router } from './router.js';

/**
 * Writes (every method but GET and HEAD: the requests a burst of submits carries) whose handlers
 * may start per turn of the event loop; reads (/health, /metrics, lists) answer at once. Node parses
 * every request whose bytes have arrived in one poll phase, 700 at a time in a burst of 2,000
 * clients; the writes beyond these wait, and even their URL is parsed in a later turn.
 * 8 per turn, not 32: the same burst throughput (the group commit still fills from several turns),
 * but shorter turns: /health p99 6.9–8.5 ms against 8.6–11.7 ms in alternating runs of
 * test/bench/submit-burst.ts (docs/benchmarks.md).
 */
const WRITES_PER_TURN = 8;
/** New connections whose first request is parsed per turn (first-read-pacer.ts). */
const FIRST_READS_PER_TURN = 8;

/** A WebSocket path the server accepts upgrades on. */
export interface WsEndpoint {
  /** Path, e.g. /v1/client. */
  path: string;
  /** Largest frame accepted; bigger frames close the socket with 1009. */
  maxPayloadBytes: number;
  /** Refuse the upgrade unless the caller is authenticated (API token). */
  requireToken: boolean;
  /** Most simultaneous connections from one remote address. */
  maxConnectionsPerAddress: number;
  /** Takes over an accepted socket. */
  onConnection(ws: WebSocket, req: IncomingMessage, authenticated: boolean, caller: Caller): void;
}

/** Server settings. */
export interface ServerOptions {
  /** Accepted API tokens (empty: loopback-only, no auth). */
  tokens: readonly string[];
  /** Largest JSON body accepted. */
  maxBodyBytes: number;
  /** Where request errors are logged. */
  logger: Logger;
  /** Serve HTTPS/WSS with this PEM certificate and key instead of plain HTTP. */
  tls?: { cert: string; key: string };
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  contentType = 'application/json',
  headers: Record<string, string> = {},
): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store', ...headers });
  res.end(text);
}

/** The request target as a URL; a target no URL parser accepts is the client's error (400, field `url`). */
function requestUrl(req: IncomingMessage): URL {
  try {
    return new URL(req.url ?? '/', 'http://localhost');
  } catch (cause) {
    throw new ApiError('bad_request', 'url: the request target is not a valid URL', 'url', cause);
  }
}

function refuseUpgrade(socket: Duplex, status: string): void {
  if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
  else socket.destroy();
}

/** One port for HTTP routes and WebSocket endpoints, with graceful close. */
export class DaemonServer {
  readonly router = new Router();
  private readonly http: Server;
  private readonly endpoints = new Map<
    string,
    { endpoint: WsEndpoint; wss: WebSocketServer; perAddress: Map<string, number> }
  >();
  private closing = false;
  /** Requests not answered yet; those whose body is still arriving are cut at once on close. */
  private readonly inFlight = new Set<IncomingMessage>();
  /** Paces the handlers of writes (turn-queue.ts). */
  private readonly writeTurns = new TurnQueue(WRITES_PER_TURN);

  constructor(private readonly options: ServerOptions) {
    // Whatever a request handler throws must end in an answer, never in an unhandled rejection
    // that leaves the connection (and its descriptor) open.
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      this.inFlight.add(req);
      res.once('close', () => this.inFlight.delete(req));
      this.onRequest(req, res).catch((error) => {
        this.options.logger.error({ err: errorMessage(error) }, 'request handler failed');
        res.destroy();
      });
    };
    // https.Server is an http.Server on a TLS socket: everything below is the same for both.
    this.http = options.tls
      ? (createHttpsServer(options.tls, handler) as unknown as Server)
      : createServer(handler);
    // On TLS the parser sits on the decrypted socket, which exists once the handshake is done.
    new FirstReadPacer(this.http, FIRST_READS_PER_TURN, options.tls ? 'secureConnection' : 'connection');
    this.http.keepAliveTimeout = 5_000;
    this.http.headersTimeout = 10_000;
    this.http.requestTimeout = 60_000;
    this.http.on('upgrade', (req, socket, head) => {
      try {
        this.onUpgrade(req, socket, head);
      } catch (error) {
        this.options.logger.warn({ err: errorMessage(error) }, 'upgrade refused');
        refuseUpgrade(socket, '400 Bad Request');
      }
    });
    this.http.on('clientError', (err: NodeJS.ErrnoException, socket) => {
      const status =
        err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
      if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
      (socket as Socket).destroySoon();
    });
  }

  route(...routes: HttpRoute[]): void {
    this.router.add(...routes);
  }

  websocket(endpoint: WsEndpoint): void {
    const wss = new WebSocketServer({
      noServer: true,
      maxPayload: endpoint.maxPayloadBytes,
      perMessageDeflate: false,
    });
    this.endpoints.set(endpoint.path, { endpoint, wss, perAddress: new Map() });
  }

  /** Binds; resolves with the port actually bound (useful with port 0). */
  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.http.once('error', reject);
      // A burst of connections (2,000 clients submitting at once) overflows Node's default
      // backlog of 511: the kernel drops SYNs and clients wait seconds for the retransmit.
      this.http.listen({ port, host, backlog: 4096 }, () => {
        this.http.off('error', reject);
        const address = this.http.address();
        resolve(typeof address === 'object' && address ? address.port : port);
      });
    });
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let url: URL | undefined;
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') await this.writeTurns.pass();
      if (this.closing) res.setHeader('connection', 'close');
      url = requestUrl(req);
      const found = this.router.match(req.method ?? 'GET', url.pathname);
      if (found === undefined) throw new ApiError('not_found', `no route ${url.pathname}`);
      if (found === 405)
        throw new ApiError('bad_request', `method ${req.method} not allowed on ${url.pathname}`);
      const { route, params } = found;
      const authenticated = isAuthenticated(req, url, this.options.tokens);
      if (route.auth === 'token' && !authenticated)
        throw new ApiError('unauthorized', 'a valid API token is required (Authorization: Bearer …)');
      const body = route.body ? await readJsonBody(req, this.options.maxBodyBytes) : undefined;
      const caller = callerOf(req, url, this.options.tokens);
      const reply = await route.handle({
        params,
        query: url.searchParams,
        body,
        authenticated,
        caller,
        req,
        res,
      });
      if ('handled' in reply) return;
      send(res, reply.status, reply.body ?? '', reply.contentType, reply.headers);
    } catch (error) {
      const apiError = toApiError(error);
      if (apiError.code === 'internal')
        this.options.logger.error({ err: error, path: url?.pathname ?? '/' }, 'request failed');
      if (res.headersSent) res.destroy();
      else {
        // A request the server could not make sense of leaves nothing worth keeping alive.
        if (apiError.field === 'url') res.setHeader('connection', 'close');
        send(res, apiError.status, { error: apiError.toWire() });
      }
    }
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const url = requestUrl(req);
    const entry = this.endpoints.get(url.pathname);
    const refuse = (status: string) => refuseUpgrade(socket, status);
    if (!entry || this.closing) {
      refuse(entry ? '503 Service Unavailable' : '404 Not Found');
      return;
    }
    const authenticated = isAuthenticated(req, url, this.options.tokens, true);
    if (entry.endpoint.requireToken && !authenticated) {
      refuse('401 Unauthorized');
      return;
    }
    const address = req.socket.remoteAddress ?? 'unknown';
    const count = entry.perAddress.get(address) ?? 0;
    if (count >= entry.endpoint.maxConnectionsPerAddress) {
      refuse('429 Too Many Requests');
      return;
    }
    entry.wss.handleUpgrade(req, socket, head, (ws) => {
      entry.perAddress.set(address, (entry.perAddress.get(address) ?? 0) + 1);
      ws.once('close', () => {
        const left = (entry.perAddress.get(address) ?? 1) - 1;
        if (left <= 0) entry.perAddress.delete(address);
        else entry.perAddress.set(address, left);
      });
      entry.endpoint.onConnection(ws, req, authenticated, callerOf(req, url, this.options.tokens, true));
    });
  }

  /**
   * Stops accepting, closes idle connections and those still sending a request at once (a client
   * holding a half-sent body must not hold up the shutdown), lets requests being handled finish
   * within the grace period, then cuts the rest.
   */
  async close(graceMs: number): Promise<void> {
    this.closing = true;
    for (const { wss } of this.endpoints.values()) {
      for (const client of wss.clients) client.close(1001, 'server shutting down');
    }
    const closed = new Promise<void>((resolve) => this.http.close(() => resolve()));
    this.http.closeIdleConnections();
    for (const req of this.inFlight) if (!req.complete) req.socket.destroy();
    const timer = setTimeout(() => {
      this.http.closeAllConnections();
      for (const { wss } of this.endpoints.values()) for (const client of wss.clients) client.terminate();
    }, graceMs);
    await closed;
    clearTimeout(timer);
    for (const { wss } of this.endpoints.values()) wss.close();
  }
}
