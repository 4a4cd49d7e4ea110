import { hostname } from 'node:os';
import { z } from 'zod';
import { cronExpression, healthConfigSchema } from './health.js';
import { duration, listenAddress, memorySize } from './units.js';

const nodeId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'must be 1-63 letters, digits, ".", "_" or "-"');

const envMap = z.record(z.string(), z.string());

/** Names of the daemon's variables an agent gets (API keys of its model provider); AIDOS_* never. */
const passEnv = z.array(
  z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name')
    .refine(
      (n) => !n.startsWith('AIDOS_'),
      "AIDOS_* variables are the daemon's configuration and never reach agents",
    ),
);

/** One agent command template; see docs/config.md. */
export const agentProfileSchema = z
  .object({
    command: z.string().min(1),
    args: z.array(z.string()).default([]),
    env: envMap.default({}),
    pass_env: passEnv.optional(),
    cwd: z.string().optional(),
    slots: z.number().int().positive().optional(),
    timeout: duration.prefault('10m'),
    memory_limit_mb: z.number().int().positive().optional(),
    provider_retries: z.boolean().default(true),
    node: z.string().min(1).optional(),
  })
  .strict();
export type AgentProfileConfig = z.infer<typeof agentProfileSchema>;

/** A long-lived agent process (e.g. `openclaw gateway run`) kept up with restart backoff. */
export const agentServiceSchema = z
  .object({
    command: z.string().min(1),
    args: z.array(z.string()).default([]),
    env: envMap.default({}),
    pass_env: passEnv.optional(),
    cwd: z.string().optional(),
    enabled: z.boolean().default(true),
    ready_url: z.string().url().optional(),
  })
  .strict();
export type AgentServiceConfig = z.infer<typeof agentServiceSchema>;

/** The supervised OpenClaw gateways of the built-in `openclaw-gateway` profile; see docs/gateway.md. */
export const gatewaySchema = z
  .object({
    count: z.number().int().min(0).max(16).default(1),
    enabled: z.boolean().default(false),
    state_dir: z.string().min(1).optional(),
    port: z.number().int().min(1024).max(65000).default(18800),
    memory_limit: memorySize.optional(),
    memory_warn: memorySize.optional(),
    concurrency: z.number().int().min(1).max(256).default(8),
    drain_timeout: duration.prefault('60s'),
    ready_timeout: duration.prefault('2s'),
    provider_retries: z.boolean().default(true),
  })
  .strict()
  .refine((g) => !g.memory_limit || !g.memory_warn || g.memory_warn < g.memory_limit, {
    message: 'memory_warn must be below memory_limit',
    path: ['memory_warn'],
  });
/** Gateway settings after defaults. */
export type GatewayConfig = z.output<typeof gatewaySchema>;

export const configSchema = z
  .object({
    node_id: nodeId.default(
      () =>
        hostname()
          .split('.')[0]
          ?.replace(/[^A-Za-z0-9._-]/g, '-') || 'aidos',
    ),
    listen: listenAddress.prefault('127.0.0.1:7420'),
    data_dir: z.string().min(1).optional(),
    roles: z
      .array(z.enum(['api', 'worker']))
      .min(1)
      .default(['api', 'worker']),
    shutdown_timeout: duration.prefault('10s'),
    log: z
      .object({
        level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
        /** auto: pretty lines on a terminal, JSON lines otherwise (journald, files, pipes). */
        format: z.enum(['auto', 'json', 'pretty']).default('auto'),
      })
      .strict()
      .prefault({}),
    store: z
      .object({
        url: z
          .string()
          .regex(/^(postgres(ql)?:\/\/|sqlite:)/, 'must start with postgres://, postgresql:// or sqlite:')
          .optional(),
        read_replica_url: z
          .string()
          .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
          .optional(),
        direct_url: z
          .string()
          .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
          .optional(),
        migrate_on_start: z.boolean().default(true),
        busy_timeout: duration.prefault('5s'),
        pool_max: z.number().int().min(1).max(1000).default(10),
        idle_timeout: duration.prefault('30s'),
        statement_timeout: duration.prefault('30s'),
        connect_timeout: duration.prefault('5s'),
      })
      .strict()
      .prefault({}),
    api: z
      .object({
        tokens: z.array(z.string().min(16, 'must be at least 16 characters')).default([]),
        token_file: z.string().optional(),
        max_body_bytes: z
          .number()
          .int()
          .positive()
          .default(5 * 1024 * 1024),
      })
      .strict()
      .prefault({}),
    /** The daemon's one port serves HTTPS and WSS (API, clients, peers) with this certificate. */
    tls: z
      .object({
        /** PEM certificate chain. */
        cert_file: z.string().min(1).optional(),
        /** PEM private key of the certificate. */
        key_file: z.string().min(1).optional(),
      })
      .strict()
      .refine((t) => !t.cert_file === !t.key_file, {
        message: 'tls.cert_file and tls.key_file are set together',
        path: ['cert_file'],
      })
      .prefault({}),
    /** Labels this node advertises; tasks submitted with `--require k=v` run only where they match. */
    labels: z
      .record(
        z
          .string()
          .regex(
            /^[A-Za-z0-9][A-Za-z0-9._/-]{0,62}$/,
            'label keys are 1-63 letters, digits, ".", "_", "/" or "-"',
          ),
        z.union([z.string().max(256), z.number(), z.boolean()]).transform(String),
      )
      .refine((l) => Object.keys(l).length <= 64, 'at most 64 labels')
      .default({}),
    cluster: z
      .object({
        key: z.string().min(32, 'must be at least 32 characters').optional(),
        key_file: z.string().optional(),
        /** Older or newer keys also accepted from peers (rotation); `key` is the one this node proves with. */
        accept_keys: z.array(z.string().min(32, 'must be at least 32 characters')).max(8).default([]),
        /** Seeds to join through (host:port). */
        join: z
          .array(
            z.string().regex(/^[A-Za-z0-9.-]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/, 'must be host:port'),
          )
          .max(64)
          .default([]),
        /** Timing preset: lan (memberlist-like) or wan. */
        profile: z.enum(['lan', 'wan']).default('lan'),
        /** Address peers reach this node at, when it differs from listen (NAT, 0.0.0.0). */
        advertise: z
          .string()
          .regex(/^[A-Za-z0-9.-]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/, 'must be host:port')
          .optional(),
        /** Dial peers with wss:// (on by itself when this daemon serves tls.cert_file). */
        tls: z.boolean().default(false),
        /** Extra CA certificates (PEM file) to trust for wss:// peers. */
        ca_file: z.string().optional(),
      })
      .strict()
      .prefault({}),
    chaos: z
      .object({
        enabled: z.boolean().default(false),
        max_faults: z.number().int().min(1).max(64).default(8),
        controller_lease: duration.prefault('5s'),
        protected: z.boolean().default(false),
        schedules: z
          .array(
            z
              .object({
                scenario: z.string().min(1),
                cron: cronExpression,
                days: z
                  .array(z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']))
                  .min(1)
                  .default(['mon', 'tue', 'wed', 'thu', 'fri']),
                hours: z
                  .string()
                  .regex(/^([01]?\d|2[0-4])-([01]?\d|2[0-4])$/, 'must be START-END in local hours, e.g. 9-17')
                  .default('9-17'),
                min_gap: duration.prefault('1h'),
              })
              .strict(),
          )
          .default([]),
        proxies: z
          .record(
            z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'proxy names are lowercase'),
            z.object({ listen: listenAddress, upstream: listenAddress }).strict(),
          )
          .default({}),
        /** The read replica the pg-replica fault acts on. */
        replica: z
          .object({
            /** A role allowed pg_wal_replay_pause on the replica (default store.read_replica_url). */
            url: z
              .string()
              .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
              .optional(),
            /** Command (argument array, no shell) that stops the replica's server. */
            stop: z.array(z.string().min(1)).min(1).optional(),
            /** Command that starts it again. */
            start: z.array(z.string().min(1)).min(1).optional(),
          })
          .strict()
          .refine((r) => !r.stop === !r.start, {
            message: 'stop and start are given together (the revert needs start)',
            path: ['start'],
          })
          .prefault({}),
      })
      .strict()
      .prefault({}),
    agents: z
      .object({
        default_profile: z.string().default('openclaw'),
        slots: z.number().int().positive().max(1024).default(2),
        kill_grace: duration.prefault('5s'),
        openclaw_command: z.string().default('openclaw'),
        gateway: gatewaySchema.prefault({}),
        pass_env: passEnv.default([]),
        profiles: z
          .record(
            z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'profile names are lowercase'),
            agentProfileSchema,
          )
          .default({}),
        services: z
          .record(
            z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'service names are lowercase'),
            agentServiceSchema,
          )
          .default({}),
      })
      .strict()
      .prefault({}),
    health: healthConfigSchema.prefault({}),
    tasks: z
      .object({
        lease: duration.prefault('30s'),
        renew_every: duration.prefault('10s'),
        guard_after: duration.optional(),
        default_max_attempts: z.number().int().min(1).max(100).default(3),
        retry_base: duration.prefault('1s'),
        retry_max: duration.prefault('5m'),
        retention: duration.prefault('7d'),
        poll_interval: duration.prefault('1s'),
        disk_floor_mb: z.number().int().min(0).default(100),
      })
      .strict()
      .prefault({}),
  })
  .strict();

/** Configuration as written (YAML, env, flags), before defaults. */
export type RawConfig = z.input<typeof configSchema>;
/** Configuration after validation and defaults. */
export type ParsedConfig = z.output<typeof configSchema>;
