import { z } from 'zod';

/** WebSocket path of daemon ↔ daemon gossip. */
export const PEER_SOCKET_PATH = '/v1/peer';

/** Limits a daemon enforces on peer connections (documented in docs/cluster.md). */
export const PEER_LIMITS = {
  /** Largest frame accepted (a push-pull of ~5,000 members); larger closes the socket with 1009. */
  maxFrameBytes: 1024 * 1024,
  /** Sustained frames per second per connection; beyond it frames are dropped and counted. */
  framesPerSecond: 200,
  /** Burst allowance above the sustained rate. */
  burst: 400,
  /** Simultaneous peer connections from one address. */
  connectionsPerAddress: 16,
  /** Time a connecting peer has to finish the handshake. */
  handshakeTimeoutMs: 5_000,
} as const;

const id = z.string().min(1).max(128);
const address = z.string().min(3).max(300);
const incarnation = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const seq = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const memberState = z.enum(['alive', 'suspect', 'dead', 'left']);

/** What a member publishes about itself by gossip. */
export const memberMetaSchema = z
  .object({
    /** aidos version. */
    version: z.string().max(64),
    /** Roles it takes (api, worker). */
    roles: z.array(z.string().max(32)).max(16),
    /** Agent slots, total and free now. */
    slots: z.object({ total: z.number().int().min(0), free: z.number().int().min(0) }).strict(),
    /** cpu: load average over cores; memory: used fraction; agents: agent processes running. */
    load: z
      .object({ cpu: z.number().min(0), memory: z.number().min(0).max(1), agents: z.number().int().min(0) })
      .strict(),
    /** Its own health summary. */
    health: z.enum(['pass', 'warn', 'fail']).nullable(),
    /** It takes no new work. */
    drain: z.boolean(),
    /** The random id of the store it uses. */
    store_identity: z.string().max(128),
    /** lan or wan (a member in another region probes with the wan timings). */
    profile: z.enum(['lan', 'wan']),
  })
  .strict();
export type MemberMeta = z.infer<typeof memberMetaSchema>;

const updateSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('alive'), id, address, incarnation, meta: memberMetaSchema }).strict(),
  z
    .object({
      kind: z.literal('suspect'),
      id,
      incarnation,
      from: id,
      witnesses: z.array(id).max(16).optional(),
    })
    .strict(),
  z.object({ kind: z.literal('dead'), id, incarnation, from: id }).strict(),
  z.object({ kind: z.literal('left'), id, incarnation }).strict(),
]);
const updates = z.array(updateSchema).max(64);

const sub = z.string().min(1).max(64);
const logLine = z
  .object({ stream: z.enum(['stdout', 'stderr', 'log']), text: z.string().max(65_536) })
  .strict();

/** Log proxy messages (`aidos task logs -f` on a node that does not run the task); not part of SWIM. */
export const peerLogMessageSchemas = [
  /** Ask the node that runs a task to stream its output; `sub` names the stream on the asking side. */
  z
    .object({
      type: z.literal('log-follow'),
      from: id,
      sub,
      task: z.string().min(1).max(100),
      tail: z.number().int().min(0).max(10_000),
    })
    .strict(),
  /** Output lines of a followed task; `ended` once the run there is over (the asker looks where it went). */
  z
    .object({
      type: z.literal('log-lines'),
      from: id,
      sub,
      lines: z.array(logLine).max(1000),
      ended: z.boolean(),
    })
    .strict(),
  /** The asker no longer follows. */
  z.object({ type: z.literal('log-stop'), from: id, sub }).strict(),
] as const;

/**
 * Tasks a node changed (ids only: the receiver reads them from the shared store), sent to the
 * members with the `api` role so their `tasks` topic pushes changes made anywhere in the cluster.
 */
export const peerTaskChangedSchema = z
  .object({ type: z.literal('task-changed'), from: id, ids: z.array(z.string().min(1).max(100)).max(1000) })
  .strict();

/** A protocol message inside an authenticated peer frame. */
export const peerMessageSchema = z.discriminatedUnion('type', [
  ...peerLogMessageSchemas,
  peerTaskChangedSchema,
  z.object({ type: z.literal('ping'), seq, from: id, to: id, updates }).strict(),
  z.object({ type: z.literal('ack'), seq, from: id, updates }).strict(),
  z.object({ type: z.literal('nack'), seq, from: id, updates }).strict(),
  z
    .object({
      type: z.literal('ping-req'),
      seq,
      from: id,
      target: id,
      address,
      timeoutMs: z.number().int().min(0).max(60_000),
      updates,
    })
    .strict(),
  z.object({ type: z.literal('gossip'), from: id, updates }).strict(),
  z
    .object({
      type: z.literal('sync'),
      from: id,
      reply: z.boolean(),
      members: z
        .array(z.object({ id, address, incarnation, state: memberState, meta: memberMetaSchema }).strict())
        .max(10_000),
    })
    .strict(),
]);

/** Handshake, step 1 (connecting side): who it is and a fresh nonce. */
export const peerHelloSchema = z
  .object({
    t: z.literal('hello'),
    /** Peer protocol version. */
    v: z.literal(1),
    /** Its node id. */
    node: id,
    /** Address it is reached at (host:port). */
    address,
    /** Its store identity. */
    store: z.string().max(128),
    /** Id of the cluster key it proves with (first 8 hex of its SHA-256). */
    key: z.string().regex(/^[0-9a-f]{8}$/),
    /** 32 random bytes, hex. */
    nonce: z.string().regex(/^[0-9a-f]{64}$/),
  })
  .strict();

/** Handshake, step 2 (accepting side): its own identity and nonce, and its proof over both nonces. */
export const peerWelcomeSchema = z
  .object({
    t: z.literal('welcome'),
    node: id,
    address,
    store: z.string().max(128),
    nonce: z.string().regex(/^[0-9a-f]{64}$/),
    /** HMAC-SHA256 with the cluster key over the transcript, hex. */
    proof: z.string().regex(/^[0-9a-f]{64}$/),
  })
  .strict();

/** Handshake, step 3 (connecting side): its proof. */
export const peerProofSchema = z
  .object({ t: z.literal('proof'), proof: z.string().regex(/^[0-9a-f]{64}$/) })
  .strict();

/** Either side: the handshake is refused, with the reason. */
export const peerRefusedSchema = z
  .object({
    t: z.literal('refused'),
    /** auth | store_identity | node_id | version */
    code: z.enum(['auth', 'store_identity', 'node_id', 'version']),
    message: z.string().max(500),
  })
  .strict();

/** After the handshake: one protocol message, its sequence number and its MAC. */
export const peerFrameSchema = z
  .object({
    /** Strictly increasing per direction within a session (replay protection). */
    s: seq,
    /** The message, JSON text (the MAC covers exactly these characters). */
    b: z.string(),
    /** HMAC-SHA256 with the session key over direction, s and b, hex. */
    m: z.string().regex(/^[0-9a-f]{64}$/),
  })
  .strict();

/** One member as any daemon describes it: `aidos node list`, `node.show`, the `nodes` topic. */
export const clusterNodeSchema = z.object({
  /** Node id. */
  id: z.string(),
  /** host:port of its daemon. */
  address: z.string(),
  /** Gossip state. */
  state: memberState,
  /** Its incarnation. */
  incarnation: z.number().int(),
  /** The daemon answering is this node. */
  self: z.boolean(),
  /** aidos version (null until its metadata is known). */
  version: z.string().nullable(),
  /** Roles it takes. */
  roles: z.array(z.string()),
  /** Agent slots, total and free. */
  slots: z.object({ total: z.number().int(), free: z.number().int() }),
  /** cpu: load average over cores; memory: used fraction; agents: agent processes running. */
  load: z.object({ cpu: z.number(), memory: z.number(), agents: z.number().int() }),
  /** Its own health summary (null: not known). */
  health: z.enum(['pass', 'warn', 'fail']).nullable(),
  /** It takes no new work. */
  drain: z.boolean(),
  /** The store it uses (null: not known). */
  store_identity: z.string().nullable(),
  /** When this daemon saw its state change (epoch ms). */
  state_since: z.number(),
  /** When this daemon last heard from it directly (epoch ms; null: never, or itself). */
  last_seen: z.number().nullable(),
  /** Only on a change frame of the nodes topic: the member was reaped and is gone. */
  removed: z.literal(true).optional(),
});
export type ClusterNode = z.infer<typeof clusterNodeSchema>;

/** Input of `node.show`. */
export const nodeIdParamsSchema = z.object({ id: z.string().min(1).max(128) }).strict();
