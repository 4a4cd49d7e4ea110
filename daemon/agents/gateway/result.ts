import type { AgentEnvelope } from '../agent-envelope.js';
import type { AgentFinal } from './wire.js';

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const obj = (v: unknown): Record<string, unknown> =>
  v !== null && typeof v === 'object' ? (v as Record<string, unknown>) : {};

/**
 * A gateway turn's final response as the same envelope `agent exec` prints, so a task's result
 * reads alike in both modes (final text, status, usage, model, provider, session), plus the run id.
 */
export function envelopeFromFinal(final: AgentFinal, runId: string): AgentEnvelope {
  const meta = obj(obj(final.result?.meta).agentMeta);
  const usage = obj(meta.usage);
  const text = (final.result?.payloads ?? [])
    .map((p) => p.text ?? '')
    .filter((t) => t !== '')
    .join('\n');
  const ok = final.status === 'ok';
  const err = obj(final.error);
  return {
    ok,
    status: ok ? 'ok' : final.status === 'timeout' ? 'timeout' : 'error',
    final: text,
    usage:
      num(usage.total) === undefined
        ? undefined
        : { input: num(usage.input) ?? 0, output: num(usage.output) ?? 0, total: num(usage.total) ?? 0 },
    cost: num(obj(usage.cost).total),
    model: str(meta.model),
    provider: str(meta.provider),
    sessionId: str(meta.sessionId),
    assistantTurns: num(meta.assistantTurns),
    error: ok
      ? undefined
      : {
          message:
            str(err.message) ?? str(final.error) ?? `gateway run ended: ${final.summary ?? final.status}`,
          kind: str(err.type) ?? str(err.kind) ?? final.stopReason ?? final.status,
        },
    runId,
  };
}
