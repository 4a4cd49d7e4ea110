import type { WebSocket } from 'ws';
import type { z } from 'zod';
import {
  PEER_LIMITS,
  peerFrameSchema,
  peerHelloSchema,
  peerMessageSchema,
  peerProofSchema,
  peerRefusedSchema,
  peerWelcomeSchema,
} from '../../shared/cluster.js';
import { TokenBucket } from '../api/rate-limiter.js';
import type { Logger } from '../log/logger.js';
import {
  FrameSigner,
  FrameVerifier,
  freshNonce,
  handshakeProof,
  type Keyring,
  sameMac,
  sessionKey,
} from './peer-auth.js';
import type { PeerMessage } from './types.js';

/** Why a frame or a handshake was refused (the labels of the rejected counter). */
export type Rejection =
  | 'auth'
  | 'replay'
  | 'malformed'
  | 'oversized'
  | 'rate_limited'
  | 'store_identity'
  | 'handshake';

/** What a session needs from its transport. */
export interface SessionContext {
  /** This node's id, advertised address and store identity. */
  self: { node: string; address: string; store: () => string };
  /** Keys accepted; the first one proves this node when it connects. */
  keyring: Keyring;
  /** A valid message arrived. */
  onMessage(message: PeerMessage, session: PeerSession): void;
  /** The handshake completed. */
  onEstablished(session: PeerSession): void;
  /** The socket closed; `abnormal` unless this side closed it. */
  onClosed(session: PeerSession, abnormal: boolean): void;
  /** Counts a dropped frame or refused handshake. */
  reject(reason: Rejection): void;
  /** Bytes received (before validation). */
  received(bytes: number): void;
  logger: Logger;
}

type Hello = z.infer<typeof peerHelloSchema>;

/**
 * One authenticated peer connection, in either role. Handshake (challenge–response over fresh
 * nonces, docs/cluster.md): hello → welcome (with the accepting side's proof) → proof. Then every
 * frame carries a sequence number and an HMAC under a per-session key; a frame with a bad MAC, an
 * old sequence number, a bad shape or over the rate is dropped and counted, never acted on.
 */
export class PeerSession {
  /** Authenticated peer's node id (after the handshake). */
  peerNode: string | undefined;
  /** The peer's address: the one dialled, or the one it advertised when it connected. */
  peerAddress: string | undefined;
  established = false;
  private signer: FrameSigner | undefined;
  private verifier: FrameVerifier | undefined;
  private readonly nonce = freshNonce();
  private hello: Hello | undefined;
  private closedByUs = false;
  private readonly bucket = new TokenBucket(PEER_LIMITS.framesPerSecond, PEER_LIMITS.burst);
  private readonly handshakeTimer: NodeJS.Timeout;

  constructor(
    private readonly ws: WebSocket,
    readonly role: 'connecting' | 'accepting',
    private readonly ctx: SessionContext,
    dialled?: string,
  ) {
    this.peerAddress = dialled;
    this.handshakeTimer = setTimeout(() => {
      if (this.established) return;
      ctx.reject('handshake');
      this.close(4008, 'handshake timeout');
    }, PEER_LIMITS.handshakeTimeoutMs);
    this.handshakeTimer.unref();
    ws.on('message', (data, isBinary) => this.receive(data as Buffer, isBinary));
    ws.on('error', (error: Error & { code?: string }) => {
      if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') ctx.reject('oversized');
    });
    ws.on('close', () => {
      clearTimeout(this.handshakeTimer);
      ctx.onClosed(this, !this.closedByUs);
    });
    if (role === 'connecting') {
      const open = () =>
        this.raw({
          t: 'hello',
          v: 1,
          node: ctx.self.node,
          address: ctx.self.address,
          store: ctx.self.store(),
          key: ctx.keyring.primaryId,
          nonce: this.nonce,
        });
      if (ws.readyState === ws.OPEN) open();
      else ws.once('open', open);
    }
  }

  /** Sends one signed message; false when the session is not (or no longer) usable. */
  send(body: string): boolean {
    if (!this.established || !this.signer || this.ws.readyState !== this.ws.OPEN) return false;
    this.ws.send(this.signer.sign(body));
    return true;
  }

  close(code = 1000, reason = ''): void {
    this.closedByUs = true;
    clearTimeout(this.handshakeTimer);
    if (this.ws.readyState === this.ws.OPEN || this.ws.readyState === this.ws.CONNECTING)
      this.ws.close(code, reason);
  }

  /** Bytes handed to the socket so far is the transport's business; this is the raw socket. */
  get socket(): WebSocket {
    return this.ws;
  }

  private raw(frame: unknown): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(JSON.stringify(frame));
  }

  private refuse(
    code: z.infer<typeof peerRefusedSchema>['code'],
    message: string,
    reason: Rejection,
  ): undefined {
    this.ctx.reject(reason);
    this.raw({ t: 'refused', code, message });
    this.close(4003, code);
  }

  private receive(data: Buffer, isBinary: boolean): void {
    this.ctx.received(data.length);
    if (!this.bucket.take()) {
      this.ctx.reject('rate_limited');
      return;
    }
    let parsed: unknown;
    try {
      if (isBinary) throw new Error('binary');
      parsed = JSON.parse(data.toString('utf8'));
    } catch {
      this.ctx.reject('malformed');
      return;
    }
    if (this.established) this.frame(parsed);
    else this.handshake(parsed);
  }

  private frame(parsed: unknown): void {
    const frame = peerFrameSchema.safeParse(parsed);
    if (!frame.success) {
      this.ctx.reject('malformed');
      return;
    }
    const problem = this.verifier!.verify(frame.data);
    if (problem) {
      this.ctx.reject(problem);
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(frame.data.b);
    } catch {
      this.ctx.reject('malformed');
      return;
    }
    const message = peerMessageSchema.safeParse(body);
    // A member speaks for itself only: `from` must be the node that authenticated.
    if (!message.success || message.data.from !== this.peerNode) {
      this.ctx.reject('malformed');
      return;
    }
    this.ctx.onMessage(message.data as PeerMessage, this);
  }

  private handshake(parsed: unknown): void {
    const refused = peerRefusedSchema.safeParse(parsed);
    if (refused.success) {
      this.ctx.logger.error(
        { peer: this.peerAddress, code: refused.data.code },
        `peer refused this node: ${refused.data.message}`,
      );
      this.ctx.reject(refused.data.code === 'store_identity' ? 'store_identity' : 'handshake');
      this.close(1000, 'refused');
      return;
    }
    if (this.role === 'accepting') this.acceptingStep(parsed);
    else this.connectingStep(parsed);
  }

  private acceptingStep(parsed: unknown): undefined {
    const { self, keyring, logger } = this.ctx;
    if (!this.hello) {
      const hello = peerHelloSchema.safeParse(parsed);
      if (!hello.success)
        return this.refuse('version', 'expected a hello frame (peer protocol v1)', 'malformed');
      const key = keyring.find(hello.data.key);
      if (!key) return this.refuse('auth', 'unknown cluster key', 'auth');
      if (hello.data.node === self.node)
        return this.refuse('node_id', `node id ${self.node} is this node's own`, 'handshake');
      const ours = self.store();
      if (hello.data.store !== ours) {
        logger.error(
          { peer: hello.data.address, peer_node: hello.data.node, theirs: hello.data.store, ours },
          'refusing a peer on another store: two clusters must not merge',
        );
        return this.refuse(
          'store_identity',
          `store identity ${hello.data.store} differs from ${ours} at ${self.address}: another cluster's store`,
          'store_identity',
        );
      }
      this.hello = hello.data;
      const proof = handshakeProof(key, 'accepting', this.transcript(hello.data.nonce, hello.data.node));
      this.raw({
        t: 'welcome',
        node: self.node,
        address: self.address,
        store: ours,
        nonce: this.nonce,
        proof,
      });
      return;
    }
    const proof = peerProofSchema.safeParse(parsed);
    if (!proof.success) return this.refuse('auth', 'expected the proof frame', 'malformed');
    const key = keyring.find(this.hello.key)!;
    const expected = handshakeProof(key, 'connecting', this.transcript(this.hello.nonce, this.hello.node));
    if (!sameMac(expected, proof.data.proof)) return this.refuse('auth', 'wrong cluster key', 'auth');
    this.establish(key, this.hello.nonce, this.nonce, this.hello.node, this.hello.address);
  }

  private connectingStep(parsed: unknown): undefined {
    const { self, keyring, logger } = this.ctx;
    const welcome = peerWelcomeSchema.safeParse(parsed);
    if (!welcome.success)
      return this.refuse('version', 'expected a welcome frame (peer protocol v1)', 'malformed');
    const key = keyring.find(keyring.primaryId)!;
    const t = {
      connectingNonce: this.nonce,
      acceptingNonce: welcome.data.nonce,
      connectingNode: self.node,
      acceptingNode: welcome.data.node,
    };
    if (!sameMac(handshakeProof(key, 'accepting', t), welcome.data.proof))
      return this.refuse('auth', 'wrong cluster key', 'auth');
    const ours = self.store();
    if (welcome.data.store !== ours) {
      logger.error(
        { peer: this.peerAddress, peer_node: welcome.data.node, theirs: welcome.data.store, ours },
        'refusing a peer on another store: two clusters must not merge',
      );
      return this.refuse(
        'store_identity',
        `store identity ${ours} of ${self.address} differs from yours (${welcome.data.store})`,
        'store_identity',
      );
    }
    this.raw({ t: 'proof', proof: handshakeProof(key, 'connecting', t) });
    this.establish(
      key,
      this.nonce,
      welcome.data.nonce,
      welcome.data.node,
      this.peerAddress ?? welcome.data.address,
    );
  }

  private transcript(connectingNonce: string, connectingNode: string) {
    return {
      connectingNonce,
      acceptingNonce: this.nonce,
      connectingNode,
      acceptingNode: this.ctx.self.node,
    };
  }

  private establish(
    key: string,
    connectingNonce: string,
    acceptingNonce: string,
    node: string,
    address: string,
  ) {
    const k = sessionKey(key, connectingNonce, acceptingNonce);
    const outgoing = this.role === 'connecting' ? 'up' : 'down';
    this.signer = new FrameSigner(k, outgoing);
    this.verifier = new FrameVerifier(k, outgoing === 'up' ? 'down' : 'up');
    this.peerNode = node;
    this.peerAddress = address;
    this.established = true;
    clearTimeout(this.handshakeTimer);
    this.ctx.onEstablished(this);
  }
}
