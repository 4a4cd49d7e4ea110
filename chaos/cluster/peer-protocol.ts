import { z } from 'zod';
import { faultSpecSchema } from '../faults/spec.js';

/** Path of the node-to-node chaos calls (signed with the cluster key, not an API token). */
export const PEER_CHAOS_PATH = '/api/v1/chaos/peer';

const id = z.string().min(1).max(200);

/** One call a drill controller (or an aborting node) makes to another node's fault host. */
export const peerCallSchema = z.discriminatedUnion('op', [
  z
    .object({
      op: z.literal('inject'),
      /** The fault to host. */
      fault: faultSpecSchema,
      /** Its duration; the hosting node reverts it on its own at the end. */
      duration_ms: z.number().int().min(1).max(86_400_000),
      /** Controller whose heartbeats keep it (dead man's switch). */
      controller: id,
      /** Node that asks (for the audit log). */
      origin: id,
    })
    .strict(),
  z.object({ op: z.literal('revert'), /** Fault id. */ id, /** Asking node. */ origin: id }).strict(),
  z.object({ op: z.literal('heartbeat'), /** Controller that is alive. */ controller: id }).strict(),
  z.object({ op: z.literal('abort'), /** Asking node. */ origin: id }).strict(),
]);
export type PeerCall = z.infer<typeof peerCallSchema>;
