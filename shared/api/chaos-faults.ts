import { z } from 'zod';

/** Which processes a process fault acts on; resolved when it fires, so a restarted agent is found again. */
export const processTargetSchema = z.union([
  z.object({ /** One exact pid. */ pid: z.number().int().positive() }).strict(),
  z
    .object({
      /** Agent processes of the hosting node: `one` (the oldest running) or `all`. */
      agents: z.enum(['one', 'all']),
    })
    .strict(),
  z
    .object({
      /** An agent service of the hosting node by name (its supervised process). */
      service: z.string().min(1),
    })
    .strict(),
  z
    .object({
      /** The hosting node's own daemon (node-kill; a pause is carried out by a watchdog helper). */
      daemon: z.literal('self'),
    })
    .strict(),
]);
export type ProcessTarget = z.infer<typeof processTargetSchema>;

const signal = z.enum(['SIGKILL', 'SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGABRT', 'SIGSEGV']);
const ms = (max: number) => z.number().int().min(0).max(max);

/** Toxiproxy's toxics, as the fault proxy applies them. */
export const toxicSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('latency'),
      /** Added delay per chunk in ms. */
      latency_ms: ms(60_000),
      /** ± uniform jitter in ms. */
      jitter_ms: ms(60_000).default(0),
    })
    .strict(),
  z
    .object({
      type: z.literal('bandwidth'),
      /** Rate limit in KiB/s. */
      rate_kbps: z.number().int().min(1).max(10_000_000),
    })
    .strict(),
  z.object({ /** New and open connections are reset (TCP RST). */ type: z.literal('reset_peer') }).strict(),
  z
    .object({
      /** Data is swallowed and connections hang, nothing is answered. */ type: z.literal('blackhole'),
    })
    .strict(),
  z
    .object({
      type: z.literal('slow_close'),
      /** Delay before a close is passed on, in ms. */
      delay_ms: ms(60_000),
    })
    .strict(),
]);
export type Toxic = z.infer<typeof toxicSchema>;

/** Every fault kind with its target and magnitude; duration comes from the step or the inject request. */
export const faultSpecSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('process-kill'),
      /** What to kill. */
      target: processTargetSchema,
      /** Signal to send. */
      signal: signal.default('SIGKILL'),
      /** Kill again at this interval for the whole duration (a crash loop); once when absent. */
      every_ms: z.number().int().min(50).max(3_600_000).optional(),
    })
    .strict(),
  z
    .object({
      kind: z.literal('process-pause'),
      /** What to stop (SIGSTOP) until the revert (SIGCONT). */
      target: processTargetSchema,
    })
    .strict(),
  z
    .object({
      kind: z.literal('cpu-stress'),
      /** Busy worker processes. */
      workers: z.number().int().min(1).max(64).default(1),
      /** Share of each worker's time spent busy, 0..1. */
      share: z.number().gt(0).max(1).default(1),
    })
    .strict(),
  z
    .object({
      kind: z.literal('memory-pressure'),
      /** Resident MB held by a helper process. */
      mb: z.number().int().min(1).max(1_048_576),
    })
    .strict(),
  z
    .object({
      kind: z.literal('disk-fill'),
      /** MB written on the filesystem of the data dir. */
      mb: z.number().int().min(1).max(10_485_760),
      /** Free MB that must remain; the fill stops short of it. */
      floor_mb: z.number().int().min(1).default(256),
      /** Directory to fill (default: the hosting node's data dir). */
      path: z.string().min(1).optional(),
    })
    .strict(),
  z
    .object({
      kind: z.literal('io-throttle'),
      /** Processes whose IO is throttled (default: the hosting daemon); children they start later too. */
      target: processTargetSchema.default({ daemon: 'self' }),
      /** A path on the block device to throttle (default: the data dir). */
      path: z.string().min(1).optional(),
      /** Read limit, bytes per second. */
      read_bps: z.number().int().min(1).optional(),
      /** Write limit, bytes per second. */
      write_bps: z.number().int().min(1).optional(),
      /** Read limit, operations per second. */
      read_iops: z.number().int().min(1).optional(),
      /** Write limit, operations per second. */
      write_iops: z.number().int().min(1).optional(),
    })
    .strict(),
  z
    .object({
      kind: z.literal('pg-pool-exhaustion'),
      /** Connections held open (idle in transaction) on the cluster database. */
      connections: z.number().int().min(1).max(10_000),
    })
    .strict(),
  z
    .object({
      kind: z.literal('pg-slow-queries'),
      /** Table whose writes wait behind a lock held for the duration. */
      table: z.enum(['tasks', 'task_events', 'nodes', 'health_results']).default('tasks'),
    })
    .strict(),
  z
    .object({
      kind: z.literal('pg-kill-connections'),
      /** Terminate the hosting node's backends again at this interval; once when absent. */
      every_ms: z.number().int().min(50).max(3_600_000).optional(),
    })
    .strict(),
  z
    .object({
      kind: z.literal('pg-replica'),
      /** `lag`: WAL replay paused (pg_wal_replay_pause) until the revert resumes it; `stop`: the replica's server stopped with `chaos.replica.stop`, started again with `chaos.replica.start`. */
      mode: z.enum(['lag', 'stop']),
    })
    .strict(),
  z
    .object({
      kind: z.literal('proxy-toxic'),
      /** Name of a fault proxy the hosting node runs. */
      proxy: z.string().min(1),
      /** What the proxy does to the traffic. */
      toxic: toxicSchema,
      /** Which way: client→server (`upstream`), server→client (`downstream`) or `both`. */
      direction: z.enum(['upstream', 'downstream', 'both']).default('both'),
    })
    .strict(),
  z
    .object({
      kind: z.literal('netns-bandwidth'),
      /** A network namespace (`ip netns`) to shape; the host's own namespace is never a target. */
      netns: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'must be an ip netns name'),
      /** Device in it whose outgoing traffic is limited. */
      device: z
        .string()
        .regex(/^[A-Za-z0-9][A-Za-z0-9_.@-]{0,14}$/, 'must be a network device name')
        .default('lo'),
      /** Rate limit in KiB/s (tc tbf). */
      rate_kbps: z.number().int().min(1).max(10_000_000),
    })
    .strict(),
  z
    .object({
      kind: z.literal('store-latency'),
      /** Store facet whose calls are affected (the tasks, nodes, health or pool store), or `all`. */
      facet: z.enum(['tasks', 'nodes', 'health', 'pool', 'all']).default('tasks'),
      /** Added delay per store call in ms. */
      latency_ms: ms(60_000).default(0),
      /** ± uniform jitter in ms. */
      jitter_ms: ms(60_000).default(0),
      /** Share of calls failing as a store outage (503 unavailable), 0..1. */
      error_rate: z.number().min(0).max(1).default(0),
      /** Only these methods of the facet (e.g. submitTask); all of them when absent. */
      methods: z
        .array(z.string().regex(/^[A-Za-z]+$/, 'must be a method name'))
        .min(1)
        .optional(),
    })
    .strict(),
  z
    .object({
      kind: z.literal('network'),
      /** Peers whose traffic with the hosting node is affected: node ids or host:port addresses, or `all`. */
      peers: z.union([z.literal('all'), z.array(z.string().min(1)).min(1)]).default('all'),
      /** Which messages: to the peers (`out`), from them (`in`) or `both`. */
      direction: z.enum(['in', 'out', 'both']).default('both'),
      /** Added delay per message in ms. */
      delay_ms: ms(60_000).default(0),
      /** ± uniform jitter in ms. */
      jitter_ms: ms(60_000).default(0),
      /** Share of messages dropped, 0..1. */
      loss: z.number().min(0).max(1).default(0),
      /** Drop everything (a partition). */
      partition: z.boolean().default(false),
      /** Rate limit in KiB/s, a token bucket per peer at the peer seam. */
      bandwidth_kbps: z.number().int().min(1).optional(),
    })
    .strict(),
]);
export type FaultSpec = z.infer<typeof faultSpecSchema>;
/** Every fault kind. */
export const FAULT_KINDS = faultSpecSchema.options.map((o) => o.shape.kind.value);
/** A spec as written (defaults not yet applied). */
export type FaultSpecInput = z.input<typeof faultSpecSchema>;
