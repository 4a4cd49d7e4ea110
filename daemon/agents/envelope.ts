import type { AgentEnvelope } from './agent-envelope.js';
import { envelopeFromFinal } from './gateway/result.js';
import { agentFinalSchema } from './gateway/wire.js';

/** The envelope is small; this much stdout tail is plenty and bounds memory under floods. */
export const ENVELOPE_TAIL_BYTES = 1024 * 1024;

/** Keeps only the last `limit` bytes of a stream. */
export class TailBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  /** Total bytes ever written. */
  total = 0;

  constructor(private readonly limit = ENVELOPE_TAIL_BYTES) {}

  write(chunk: Buffer): void {
    this.total += chunk.length;
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size - (this.chunks[0]?.length ?? 0) >= this.limit) {
      this.size -= (this.chunks.shift() as Buffer).length;
    }
  }

  text(): string {
    const all = Buffer.concat(this.chunks);
    return all.subarray(Math.max(0, all.length - this.limit)).toString('utf8');
  }
}

/** Result of looking for an envelope. */
export type EnvelopeParse = { ok: true; envelope: AgentEnvelope } | { ok: false; reason: string };

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/**
 * Besides the run envelope (`{ok, status, final, …}`), OpenClaw prints a shorter one when it
 * rejects the command line before any run: `{ok: false, error: {type: "cli_error", message}}`,
 * without `status` (seen with an unknown option). The gateway's failures have that shape too.
 * Both are read as status "error", the error's `type` standing in for its `kind`.
 */
function toEnvelope(raw: Record<string, unknown>): AgentEnvelope | undefined {
  // `openclaw agent` through a gateway prints the gateway's run result instead: {runId, status, result}.
  if (raw.ok === undefined && typeof raw.runId === 'string' && raw.result !== undefined) {
    const final = agentFinalSchema.safeParse(raw);
    return final.success ? envelopeFromFinal(final.data, raw.runId) : undefined;
  }
  if (typeof raw.ok !== 'boolean') return undefined;
  const error =
    raw.error !== null && typeof raw.error === 'object' ? (raw.error as Record<string, unknown>) : undefined;
  const status = typeof raw.status === 'string' ? raw.status : !raw.ok && error ? 'error' : undefined;
  if (status === undefined) return undefined;
  const usage = (raw.usage ?? {}) as Record<string, unknown>;
  return {
    ok: raw.ok,
    status,
    final: str(raw.final) ?? '',
    usage:
      num(usage.total) === undefined
        ? undefined
        : { input: num(usage.input) ?? 0, output: num(usage.output) ?? 0, total: num(usage.total) ?? 0 },
    cost: num((usage.cost as Record<string, unknown> | undefined)?.total),
    model: str(raw.model),
    provider: str(raw.provider),
    sessionId: str(raw.sessionId),
    assistantTurns: num(raw.assistantTurns),
    error: error
      ? {
          message: str(error.message) ?? 'unknown error',
          kind: str(error.kind) ?? str(error.type) ?? 'unknown',
        }
      : undefined,
  };
}

/**
 * Finds the last JSON object on stdout. OpenClaw pretty-prints it, so we try suffixes
 * that start at a line beginning with "{", from the end backwards; anything before
 * (stray logs) is ignored.
 */
export function parseEnvelope(stdout: string): EnvelopeParse {
  const text = stdout.trimEnd();
  if (text.trim() === '') return { ok: false, reason: 'no output on stdout (expected a JSON envelope)' };
  // Walk line starts backwards; only lines opening with "{" are tried, so a flood of
  // non-JSON lines costs one scan, not a parse per line.
  for (let end = text.length; end > 0; ) {
    const start = text.lastIndexOf('\n', end - 1) + 1;
    end = start - 1;
    if (
      !text
        .slice(start, start + 64)
        .trimStart()
        .startsWith('{')
    )
      continue;
    let value: unknown;
    try {
      value = JSON.parse(text.slice(start));
    } catch {
      continue;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) continue;
    const envelope = toEnvelope(value as Record<string, unknown>);
    if (envelope) return { ok: true, envelope };
    return {
      ok: false,
      reason: 'JSON on stdout is not an OpenClaw envelope (needs ok and status, or ok: false and error)',
    };
  }
  const last = text.slice(text.lastIndexOf('\n') + 1).slice(0, 120);
  return { ok: false, reason: `stdout is not JSON (last line: ${JSON.stringify(last)})` };
}
