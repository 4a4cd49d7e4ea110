import pino from 'pino';
import { WebSocket } from 'ws';
import { systemClock } from '../../daemon/agents/clock.js';
import { LAN, type SwimParams } from '../../daemon/cluster/params.js';
import {
  FrameSigner,
  freshNonce,
  handshakeProof,
  Keyring,
  keyId,
  sessionKey,
} from '../../daemon/cluster/peer-auth.js';
import { Swim } from '../../daemon/cluster/swim.js';
import { WsTransport } from '../../daemon/cluster/ws-transport.js';
import { DaemonServer } from '../../daemon/server/server.js';
import { type MemberMeta, PEER_LIMITS, PEER_SOCKET_PATH } from '../../shared/cluster.js';

/** A cluster key for tests (≥ 32 characters). */
export const TEST_KEY = 'test-cluster-key-0123456789abcdef';

/** Fast timings so tests over real sockets take seconds (loaded machine: generous timeouts). */
export const FAST: SwimParams = {
  ...LAN,
  probeIntervalMs: 200,
  probeTimeoutMs: 100,
  gossipIntervalMs: 50,
  pushPullIntervalMs: 2_000,
};

/** One in-process member on a real port: its server, transport and protocol. */
export interface PeerMember {
  id: string;
  address: string;
  server: DaemonServer;
  transport: WsTransport;
  swim: Swim;
  /** Stops the member (sockets closed, server closed). */
  close(): Promise<void>;
}

const quiet = pino({ level: 'silent' });

/** Valid member metadata for a test member on `store`. */
export function testMeta(store = 'store-a'): MemberMeta {
  return {
    version: '0.1.0',
    roles: ['worker'],
    slots: { total: 2, free: 2 },
    load: { cpu: 0, memory: 0, agents: 0 },
    health: 'pass',
    drain: false,
    store_identity: store,
    profile: 'lan',
  };
}

/** A transport on a real port without a protocol on top (messages sent and received by hand). */
export interface BareTransport {
  address: string;
  server: DaemonServer;
  transport: WsTransport;
  /** Stops it (sockets closed, server closed). */
  close(): Promise<void>;
}

/** Starts a WebSocket peer transport on 127.0.0.1 with its own keyring and store identity. */
export async function startTransport(
  id: string,
  options: { keys?: string[]; store?: string } = {},
): Promise<BareTransport> {
  const server = new DaemonServer({ tokens: [], maxBodyBytes: 1024, logger: quiet });
  const port = await server.listen('127.0.0.1', 0);
  const address = `127.0.0.1:${port}`;
  const transport = new WsTransport({
    nodeId: id,
    address,
    storeIdentity: () => options.store ?? 'store-a',
    keyring: new Keyring(options.keys ?? [TEST_KEY]),
    logger: quiet,
    redialMs: 200,
  });
  server.websocket({
    path: PEER_SOCKET_PATH,
    maxPayloadBytes: PEER_LIMITS.maxFrameBytes,
    requireToken: false,
    maxConnectionsPerAddress: 64,
    onConnection: (ws) => transport.accept(ws),
  });
  return {
    address,
    server,
    transport,
    async close() {
      await transport.close();
      await server.close(100);
    },
  };
}

/** Starts a member on 127.0.0.1 with its own keyring and store identity, joining `seeds`. */
export async function startPeer(
  id: string,
  options: { keys?: string[]; store?: string; seeds?: string[]; params?: SwimParams } = {},
): Promise<PeerMember> {
  const { address, server, transport } = await startTransport(id, options);
  const swim = new Swim({
    id,
    meta: testMeta(options.store),
    params: options.params ?? FAST,
    clock: systemClock,
    rng: Math.random,
    transport,
  });
  swim.start(options.seeds ?? []);
  return {
    id,
    address,
    server,
    transport,
    swim,
    async close() {
      swim.stop();
      await transport.close();
      await server.close(100);
    },
  };
}

/** A hand-driven peer connection that completes the handshake with `key`, for replay and garbage tests. */
export async function rawPeer(
  address: string,
  opts: { key?: string; node?: string; store?: string } = {},
): Promise<{ ws: WebSocket; signer: FrameSigner | null; refused: unknown }> {
  const key = opts.key ?? TEST_KEY;
  const node = opts.node ?? 'raw';
  const ws = new WebSocket(`ws://${address}${PEER_SOCKET_PATH}`);
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const nonce = freshNonce();
  const next = () =>
    new Promise<Record<string, string>>((resolve) =>
      ws.once('message', (d) => resolve(JSON.parse(String(d)))),
    );
  ws.send(
    JSON.stringify({
      t: 'hello',
      v: 1,
      node,
      address: '127.0.0.1:1',
      store: opts.store ?? 'store-a',
      key: keyId(key),
      nonce,
    }),
  );
  const welcome = await next();
  if (welcome.t !== 'welcome') return { ws, signer: null, refused: welcome };
  const t = {
    connectingNonce: nonce,
    acceptingNonce: welcome.nonce!,
    connectingNode: node,
    acceptingNode: welcome.node!,
  };
  ws.send(JSON.stringify({ t: 'proof', proof: handshakeProof(key, 'connecting', t) }));
  return { ws, signer: new FrameSigner(sessionKey(key, nonce, welcome.nonce!), 'up'), refused: null };
}
