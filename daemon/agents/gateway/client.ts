import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import WebSocket from 'ws';
import { AidosError } from '../../errors.js';
import { VERSION } from '../../version.js';
import {
  type AgentFinal,
  type AgentParams,
  agentAcceptedSchema,
  agentFinalSchema,
  challengeSchema,
  GATEWAY_PROTOCOL_VERSION,
  type HelloOk,
  helloOkSchema,
  REQUIRED_METHODS,
  type ServerFrame,
  serverFrameSchema,
} from './wire.js';

/** How to reach one gateway. */
export interface GatewayClientOptions {
  /** ws://127.0.0.1:PORT */
  url: string;
  /** Shared token of the gateway (auth.mode token). */
  token: string;
  /** Bound on the whole handshake, ms. */
  connectTimeoutMs?: number;
  /** Operator scopes to ask for (default read and write: enough to run and abort its own turns). */
  scopes?: string[];
}

/** A failure talking to the gateway; `transport` when the socket, not the gateway, failed. */
export class GatewayError extends AidosError {
  constructor(
    message: string,
    /** The socket failed or closed (retry on a new connection), rather than the gateway refusing. */
    readonly transport: boolean,
    options?: { cause?: unknown },
  ) {
    super('internal', message, options);
  }
}

type Handler = (frame: Extract<ServerFrame, { type: 'res' }>) => void;

/** Events: 'close' once the socket is gone; 'event' for every gateway event frame. */
export interface GatewayClientEvents {
  /** The socket closed; every pending request has been rejected. */
  close: [{ code: number; reason: string }];
  /** An event frame (agent lifecycle, shutdown, tick, …). */
  event: [{ event: string; payload: unknown }];
}

/**
 * A minimal client of the gateway's WebSocket protocol v4 (challenge, `connect` as a backend
 * operator with the shared token, then requests). Written over `ws` because the published
 * `@openclaw/gateway-client` needs Node >= 22.19 and the daemon runs on Node 20 too.
 */
export class GatewayClient extends EventEmitter<GatewayClientEvents> {
  private readonly pending = new Map<string, { handle: Handler; fail: (e: GatewayError) => void }>();
  private closed = false;

  private constructor(
    private readonly socket: WebSocket,
    /** The gateway's hello. */
    readonly hello: HelloOk,
  ) {
    super();
  }

  /** Opens a socket and completes the handshake; rejects with a clear GatewayError on any failure. */
  static connect(options: GatewayClientOptions): Promise<GatewayClient> {
    const timeoutMs = options.connectTimeoutMs ?? 10_000;
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(options.url, {
        handshakeTimeout: timeoutMs,
        maxPayload: 32 * 1024 * 1024,
      });
      const connectId = randomUUID();
      let settled = false;
      const fail = (message: string, cause?: unknown): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.terminate();
        reject(new GatewayError(`gateway ${options.url}: ${message}`, true, { cause }));
      };
      // A SIGSTOPped gateway accepts the TCP connection and then never answers.
      const timer = setTimeout(() => fail(`no hello within ${timeoutMs} ms`), timeoutMs);
      socket.on('error', (error) => fail(`socket error: ${error.message}`, error));
      socket.on('close', (code, reason) => fail(`closed during handshake (${code} ${reason.toString()})`));
      socket.on('message', (data) => {
        if (settled) return;
        const frame = parseFrame(data);
        if (!frame) return fail('sent a frame that is not a v4 frame');
        if (frame.type === 'event' && frame.event === 'connect.challenge') {
          if (!challengeSchema.safeParse(frame.payload).success) return fail('sent a malformed challenge');
          socket.send(
            JSON.stringify({
              type: 'req',
              id: connectId,
              method: 'connect',
              params: {
                minProtocol: GATEWAY_PROTOCOL_VERSION,
                maxProtocol: GATEWAY_PROTOCOL_VERSION,
                client: {
                  id: 'gateway-client',
                  version: VERSION,
                  platform: process.platform,
                  mode: 'backend',
                },
                role: 'operator',
                scopes: options.scopes ?? ['operator.read', 'operator.write'],
                auth: { token: options.token },
              },
            }),
          );
          return;
        }
        if (frame.type !== 'res' || frame.id !== connectId) return;
        if (!frame.ok)
          return fail(`refused connect: ${frame.error?.message ?? frame.error?.code ?? 'no reason'}`);
        const hello = helloOkSchema.safeParse(frame.payload);
        if (!hello.success) return fail('answered connect without a valid hello-ok');
        if (hello.data.protocol !== GATEWAY_PROTOCOL_VERSION)
          return fail(
            `speaks protocol ${hello.data.protocol}, this daemon speaks ${GATEWAY_PROTOCOL_VERSION}`,
          );
        const missing = REQUIRED_METHODS.filter((m) => !hello.data.features.methods.includes(m));
        if (missing.length > 0) return fail(`does not offer ${missing.join(', ')}`);
        settled = true;
        clearTimeout(timer);
        socket.removeAllListeners();
        const client = new GatewayClient(socket, hello.data);
        client.attach();
        resolve(client);
      });
    });
  }

  private attach(): void {
    this.socket.on('message', (data) => {
      const frame = parseFrame(data);
      if (!frame) return;
      if (frame.type === 'event') this.emit('event', { event: frame.event, payload: frame.payload });
      else this.pending.get(frame.id)?.handle(frame);
    });
    this.socket.on('error', () => {});
    this.socket.on('close', (code, reason) => {
      this.closed = true;
      const error = new GatewayError(`gateway connection closed (${code} ${reason.toString()})`, true);
      for (const p of [...this.pending.values()]) p.fail(error);
      this.pending.clear();
      this.emit('close', { code, reason: reason.toString() });
    });
  }

  /** True until the socket closes. */
  get open(): boolean {
    return !this.closed;
  }

  /** Sends a request; `handle` sees every response with its id until it calls `done`. */
  private send(
    method: string,
    params: unknown,
    handle: (frame: Parameters<Handler>[0], done: () => void) => void,
    fail: (e: GatewayError) => void,
  ): string {
    const id = randomUUID();
    if (this.closed) {
      fail(new GatewayError('gateway connection is closed', true));
      return id;
    }
    const done = (): void => {
      this.pending.delete(id);
    };
    this.pending.set(id, { handle: (frame) => handle(frame, done), fail });
    this.socket.send(JSON.stringify({ type: 'req', id, method, params }), (error) => {
      if (!error) return;
      this.pending.delete(id);
      fail(new GatewayError(`cannot send ${method}: ${error.message}`, true, { cause: error }));
    });
    return id;
  }

  /** One request, one response; rejects on `ok: false` (not transport) or after `timeoutMs`. */
  request(method: string, params: unknown, timeoutMs = 10_000): Promise<unknown> {
    return new Promise((resolve, reject) => {
      let id = '';
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new GatewayError(`${method}: no answer within ${timeoutMs} ms`, true));
      }, timeoutMs);
      id = this.send(
        method,
        params,
        (frame, done) => {
          done();
          clearTimeout(timer);
          if (frame.ok) resolve(frame.payload);
          else
            reject(
              new GatewayError(`${method}: ${frame.error?.message ?? frame.error?.code ?? 'refused'}`, false),
            );
        },
        (error) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  }

  /**
   * Starts a turn. Resolves once the gateway accepted it, with its run id and a promise of the
   * final response (which rejects with a transport error when the socket goes first).
   */
  agent(
    params: AgentParams,
    acceptTimeoutMs = 30_000,
  ): Promise<{ runId: string; final: Promise<AgentFinal> }> {
    return new Promise((resolveAccepted, rejectAccepted) => {
      let accepted = false;
      let resolveFinal: (f: AgentFinal) => void = () => {};
      let rejectFinal: (e: GatewayError) => void = () => {};
      const final = new Promise<AgentFinal>((res, rej) => {
        resolveFinal = res;
        rejectFinal = rej;
      });
      // Nobody may await `final` when the accept step fails.
      final.catch(() => {});
      let id = '';
      const timer = setTimeout(() => {
        this.pending.delete(id);
        rejectAccepted(new GatewayError(`agent: not accepted within ${acceptTimeoutMs} ms`, true));
      }, acceptTimeoutMs);
      const fail = (error: GatewayError): void => {
        clearTimeout(timer);
        if (accepted) rejectFinal(error);
        else rejectAccepted(error);
      };
      id = this.send(
        'agent',
        params,
        (frame, done) => {
          if (!frame.ok) {
            done();
            return fail(
              new GatewayError(`agent: ${frame.error?.message ?? frame.error?.code ?? 'refused'}`, false),
            );
          }
          if (!accepted) {
            const ack = agentAcceptedSchema.safeParse(frame.payload);
            if (!ack.success) {
              done();
              return fail(new GatewayError('agent: first response has no runId', false));
            }
            accepted = true;
            clearTimeout(timer);
            resolveAccepted({ runId: ack.data.runId, final });
            // Some gateways answer with the final result at once (a cached idempotent turn).
            if (ack.data.status === 'accepted') return;
          }
          done();
          const parsed = agentFinalSchema.safeParse(frame.payload);
          if (parsed.success) resolveFinal(parsed.data);
          else rejectFinal(new GatewayError('agent: final response is not a run result', false));
        },
        fail,
      );
    });
  }

  /** Closes the socket; pending requests reject with a transport error. */
  close(): void {
    if (this.closed) return;
    this.socket.close(1000, 'client closing');
    // A stopped peer never completes the close handshake.
    setTimeout(() => this.socket.terminate(), 1_000).unref();
  }
}

function parseFrame(data: WebSocket.RawData): ServerFrame | undefined {
  try {
    const parsed = serverFrameSchema.safeParse(JSON.parse(data.toString()));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
