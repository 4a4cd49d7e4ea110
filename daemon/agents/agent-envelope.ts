/** The parts of an `openclaw agent exec --json` envelope the daemon keeps. */
export interface AgentEnvelope {
  /** True when the run succeeded. */
  ok: boolean;
  /** "ok" | "error" | "timeout" as reported by OpenClaw. */
  status: string;
  /** Final answer text. */
  final: string;
  /** Token usage, when reported. */
  usage: { input: number; output: number; total: number } | undefined;
  /** Cost in the provider's currency (usage.cost.total). */
  cost: number | undefined;
  /** Model that answered. */
  model: string | undefined;
  /** Provider of that model. */
  provider: string | undefined;
  /** OpenClaw session id. */
  sessionId: string | undefined;
  /** Assistant turns taken. */
  assistantTurns: number | undefined;
  /** Error reported by OpenClaw, on failure. */
  error: { message: string; kind: string } | undefined;
  /** Gateway run id (gateway mode only; `agent.wait` finds the run by it). */
  runId?: string;
}
