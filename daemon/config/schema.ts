import { hostname } from 'node:os';
import { z } from 'zod';
import { healthConfigSchema } from '../health/config.js';
import { duration, listenAddress } from './units.js';

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
      })
      .strict()
      .default({ level: 'info' }),
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
      })
      .strict()
      .prefault({}),
    chaos: z
      .object({ enabled: z.boolean().default(false) })
      .strict()
      .prefault({}),
    agents: z
      .object({
        default_profile: z.string().default('openclaw'),
        slots: z.number().int().positive().max(1024).default(2),
        kill_grace: duration.prefault('5s'),
        openclaw_command: z.string().default('openclaw'),
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
