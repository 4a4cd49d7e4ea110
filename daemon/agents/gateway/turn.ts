import { errorMessage } from '../../errors.js';
import type { AgentEnvelope } from '../envelope.js';
import type { AgentGuard } from '../guard.js';
import type { AgentLogger } from '../logger.js';
import type { RunOutcome, RunOutcomeKind } from '../outcome.js';
import { startTimeOf } from '../sampler.js';
import { type GatewayClient, GatewayError } from './client.js';
import type { GatewayInstance, GatewayPool } from './pool.js';
import { envelopeFromFinal } from './result.js';
import type { AgentFinal } from './wire.js';

/** One task attempt to run as a gateway turn. */
export interface TurnSpec {
  /** Task id; names the session. */
  taskId: string;
  /** Fencing token of the claim: part of the idempotency key, so each claim is its own turn. */
  fence: number;
  /** The task's message. */
  message: string;
  /** Hard bound of the attempt, ms. */
  timeoutMs: number;
  /** Bound on the abort and on a reattach, ms. */
  graceMs: number;
}

/** A running turn. */
export interface TurnHandle {
  /** The gateway's pid when the turn started (0 while waiting for one). */
  pid: number;
  /** Aborts the turn in the gateway; `done` resolves as cancelled. */
  cancel(reason: string): void;
  /** Settles when the turn ended; never rejects. */
  done: Promise<RunOutcome>;
}

/** The session a task's turns share: every attempt continues the same conversation. */
export const sessionKeyFor = (taskId: string): string => `aidos-${taskId}`;

type Stop = { kind: 'cancelled'; reason: string } | { kind: 'timeout' };

/**
 * Starts a turn: `agent` (idempotency key from task and fence), the final response, abort on stop.
 * With a `guard`, the turn is watched from before it is sent until it ends, so a paused daemon's
 * turn is aborted in the gateway before its lease lapses.
 */
export function startTurn(
  pool: GatewayPool,
  spec: TurnSpec,
  logger: AgentLogger,
  guard?: Pick<AgentGuard, 'watchTurn' | 'unwatchTurn'>,
): TurnHandle {
  const started = Date.now();
  const sessionKey = sessionKeyFor(spec.taskId);
  let stop: Stop | undefined;
  let onStop: () => void = () => {};
  const stopped = new Promise<void>((resolve) => {
    onStop = resolve;
  });
  const requestStop = (s: Stop): void => {
    if (stop) return;
    stop = s;
    onStop();
  };
  const timer = setTimeout(() => requestStop({ kind: 'timeout' }), spec.timeoutMs);
  timer.unref();
  const gw = pool.pick(sessionKey);
  const handle: TurnHandle = {
    pid: gw?.pid ?? 0,
    cancel: (reason) => requestStop({ kind: 'cancelled', reason }),
    done: Promise.resolve(undefined as unknown as RunOutcome),
  };
  const outcome = (
    kind: RunOutcomeKind,
    error: string | undefined,
    retryable: boolean,
    result?: AgentEnvelope,
  ): RunOutcome => ({
    kind,
    exitCode: undefined,
    signal: undefined,
    durationMs: Date.now() - started,
    peakRssBytes: 0,
    cpuMs: undefined,
    result,
    error,
    retryable,
  });
  const stoppedOutcome = (runId: string | undefined): RunOutcome => {
    const result = runId ? { ...emptyEnvelope(stop?.kind ?? 'error'), runId } : undefined;
    return stop?.kind === 'cancelled'
      ? outcome('cancelled', `cancelled: ${stop.reason}`, false, result)
      : outcome('timeout', `timed out after ${spec.timeoutMs} ms; turn aborted in the gateway`, true, result);
  };

  const run = async (): Promise<RunOutcome> => {
    if (!gw?.client || gw.pid === undefined)
      return outcome('crashed', 'no gateway is ready to take the turn', true);
    const client = gw.client;
    const pid = gw.pid;
    gw.inFlight.add(spec.taskId);
    gw.turnsTaken++;
    let runId: string | undefined;
    const idempotencyKey = `aidos-${spec.taskId}-f${spec.fence}`;
    const watch = (id: string) =>
      guard?.watchTurn({
        taskId: spec.taskId,
        port: gw.port,
        gatewayPid: pid,
        gatewayStart: startTimeOf(pid),
        sessionKey,
        runId: id,
        token: pool.token,
      });
    // Before the request leaves: a daemon paused right after sending must still be covered.
    // The gateway uses the idempotency key as the run id; the accepted one replaces it if not.
    watch(idempotencyKey);
    try {
      const accepted = await client.agent({
        message: spec.message,
        idempotencyKey,
        agentId: 'main',
        sessionKey,
        // The daemon's own timer is the hard bound; OpenClaw's is a backstop behind it.
        timeout: Math.ceil((spec.timeoutMs + spec.graceMs) / 1000) + 5,
      });
      runId = accepted.runId;
      if (runId !== idempotencyKey) watch(runId);
      const first = await Promise.race([accepted.final, stopped.then(() => undefined)]);
      if (first === undefined) {
        await abortTurn(client, sessionKey, runId, accepted.final, spec.graceMs, logger);
        return stoppedOutcome(runId);
      }
      return finalOutcome(first, runId);
    } catch (error) {
      if (stop) return stoppedOutcome(runId);
      if (error instanceof GatewayError && error.transport && runId) {
        const again = await reattach(
          pool,
          gw,
          pid,
          runId,
          started + spec.timeoutMs - Date.now(),
          spec.graceMs,
        );
        if (again) return finalOutcome(again, runId);
        return outcome(
          'crashed',
          `gateway ${gw.name} went away during the turn (${errorMessage(error)})`,
          true,
        );
      }
      const transport = error instanceof GatewayError && error.transport;
      return outcome(transport ? 'crashed' : 'failed', errorMessage(error), true);
    } finally {
      clearTimeout(timer);
      guard?.unwatchTurn(spec.taskId);
      gw.inFlight.delete(spec.taskId);
      pool.emit('change');
    }
  };

  const finalOutcome = (final: AgentFinal, runId: string): RunOutcome => {
    const envelope = envelopeFromFinal(final, runId);
    if (envelope.ok) return outcome('succeeded', undefined, false, envelope);
    if (envelope.status === 'timeout') return outcome('timeout', envelope.error?.message, true, envelope);
    return outcome('failed', `${envelope.error?.kind}: ${envelope.error?.message}`, true, envelope);
  };

  handle.done = run().catch((error: unknown) => outcome('failed', errorMessage(error), true));
  return handle;
}

function emptyEnvelope(status: string): AgentEnvelope {
  return {
    ok: false,
    status,
    final: '',
    usage: undefined,
    cost: undefined,
    model: undefined,
    provider: undefined,
    sessionId: undefined,
    assistantTurns: undefined,
    error: undefined,
  };
}

/** `sessions.abort` for exactly this run, then the final response, each bounded by the grace. */
async function abortTurn(
  client: GatewayClient,
  sessionKey: string,
  runId: string,
  final: Promise<AgentFinal>,
  graceMs: number,
  logger: AgentLogger,
): Promise<void> {
  try {
    await client.request('sessions.abort', { key: sessionKey, runId }, graceMs);
    await Promise.race([final.catch(() => undefined), new Promise((r) => setTimeout(r, graceMs).unref())]);
  } catch (error) {
    logger.warn({ run_id: runId, err: errorMessage(error) }, 'gateway did not confirm the abort');
  }
}

/**
 * The socket dropped but the same gateway process still runs: wait for the pool's new
 * connection and ask `agent.wait` for the run's end (the gateway kept running it).
 */
async function reattach(
  pool: GatewayPool,
  gw: GatewayInstance,
  pid: number,
  runId: string,
  leftMs: number,
  graceMs: number,
): Promise<AgentFinal | undefined> {
  const deadline = Date.now() + Math.max(0, leftMs);
  while (Date.now() < deadline) {
    if (gw.pid !== pid) return undefined;
    const client = gw.client;
    if (client?.open) {
      const waited = (await client
        .request(
          'agent.wait',
          { runId, timeoutMs: Math.max(1, deadline - Date.now()) },
          deadline - Date.now() + graceMs,
        )
        .catch(() => undefined)) as
        | { status?: string; terminalReply?: { text?: string }; stopReason?: string }
        | undefined;
      if (!waited?.status || waited.status === 'pending' || waited.status === 'timeout') return undefined;
      return {
        runId,
        status: waited.status,
        stopReason: waited.stopReason,
        result: { payloads: [{ text: waited.terminalReply?.text ?? '' }] },
      };
    }
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, 1_000);
      pool.once('change', () => {
        clearTimeout(t);
        resolve();
      });
    });
  }
  return undefined;
}
