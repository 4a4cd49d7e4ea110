/**
 * The parts of OpenClaw's gateway WebSocket protocol (wire v4) the daemon speaks, as zod schemas.
 * Shapes follow the pinned package's docs/gateway/protocol/*.md and its TypeBox schemas
 * (`AgentParamsSchema`, `AgentWaitParamsSchema`, `SessionsAbortParamsSchema`); every frame from
 * the gateway is validated here before anything acts on it.
 */
import { z } from 'zod';

/** The only wire version this client speaks; a gateway that answers another is refused. */
export const GATEWAY_PROTOCOL_VERSION = 4;

/** Error body of a failed response. */
export const wireErrorSchema = z
  .object({ code: z.string().optional(), message: z.string().optional() })
  .passthrough();

/** `{type: "res", id, ok, payload | error}`; `agent` answers twice with one id (accepted, then final). */
export const responseFrameSchema = z
  .object({
    type: z.literal('res'),
    id: z.string(),
    ok: z.boolean(),
    payload: z.unknown().optional(),
    error: wireErrorSchema.optional(),
  })
  .passthrough();

/** `{type: "event", event, payload, seq?}`. */
export const eventFrameSchema = z
  .object({
    type: z.literal('event'),
    event: z.string(),
    payload: z.unknown().optional(),
    seq: z.number().optional(),
  })
  .passthrough();

/** Any frame the gateway sends a client. */
export const serverFrameSchema = z.discriminatedUnion('type', [responseFrameSchema, eventFrameSchema]);
/** A validated frame from the gateway. */
export type ServerFrame = z.infer<typeof serverFrameSchema>;

/** The pre-connect challenge. */
export const challengeSchema = z
  .object({ nonce: z.string(), ts: z.number().int().nonnegative() })
  .passthrough();

/** The `connect` answer; only what the daemon relies on is checked. */
export const helloOkSchema = z
  .object({
    type: z.literal('hello-ok'),
    protocol: z.number().int(),
    server: z.object({ version: z.string().optional() }).passthrough(),
    features: z.object({ methods: z.array(z.string()).default([]) }).passthrough(),
  })
  .passthrough();
/** A validated hello. */
export type HelloOk = z.infer<typeof helloOkSchema>;

/** Methods the daemon calls; `connect` checks the gateway offers each of them. */
export const REQUIRED_METHODS = ['agent', 'agent.wait', 'sessions.abort'] as const;

/** The first `agent` response. */
export const agentAcceptedSchema = z.object({ runId: z.string().min(1), status: z.string() }).passthrough();

/** One reply payload of a turn. */
const payloadSchema = z.object({ text: z.string().optional() }).passthrough();

/** The final `agent` response (also the shape `agent.wait` returns when the run is known). */
export const agentFinalSchema = z
  .object({
    runId: z.string().optional(),
    status: z.string(),
    summary: z.string().optional(),
    stopReason: z.string().optional(),
    error: z.unknown().optional(),
    result: z
      .object({
        payloads: z.array(payloadSchema).default([]),
        meta: z.record(z.string(), z.unknown()).optional(),
      })
      .passthrough()
      .optional(),
  })
  .passthrough();
/** A validated final response. */
export type AgentFinal = z.infer<typeof agentFinalSchema>;

/**
 * Parameters of an `agent` request. The gateway's schema is closed (unknown fields are
 * rejected), so nothing else may be added here.
 */
export interface AgentParams {
  /** The task's message. */
  message: string;
  /** Derived from the task id and its fencing token: a resent request never starts a second turn. */
  idempotencyKey: string;
  /** OpenClaw agent id (default "main"). */
  agentId?: string;
  /** Session that carries the conversation across attempts. */
  sessionKey?: string;
  /** OpenClaw's own turn timeout, seconds. */
  timeout?: number;
}
