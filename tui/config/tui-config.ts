import { z } from 'zod';

const urlSchema = z
  .string()
  .regex(/^(https?|wss?):\/\/[^/]+/, 'must be an http://, https://, ws:// or wss:// URL');

/** One cluster the TUI can attach to. */
export const contextSchema = z
  .object({
    /** Any member's URL, e.g. ws://10.0.0.5:7420. */
    url: urlSchema,
    /** File holding the API token (first line); kept out of the config so it can be shared. */
    token_file: z.string().min(1).optional(),
    /** The API token itself, when a file is not wanted. */
    token: z.string().min(1).optional(),
    /** Other members to try when `url` is unreachable. */
    members: z.array(urlSchema).optional(),
  })
  .strict();
export type ContextConfig = z.infer<typeof contextSchema>;

/** `$XDG_CONFIG_HOME/aidos/tui.yaml`. */
export const tuiConfigSchema = z
  .object({
    /** Context used when --context and --url are not given. */
    current_context: z.string().min(1).optional(),
    /** Named clusters. */
    contexts: z
      .record(
        z.string().regex(/^[A-Za-z0-9._-]{1,63}$/, 'context names are 1-63 letters, digits, ".", "_" or "-"'),
        contextSchema,
      )
      .optional(),
    /** Action id → key or keys, replacing the default binding (see docs/tui.md). */
    keys: z.record(z.string(), z.union([z.string().min(1), z.array(z.string().min(1)).min(1)])).optional(),
  })
  .strict();
export type TuiConfig = z.infer<typeof tuiConfigSchema>;
