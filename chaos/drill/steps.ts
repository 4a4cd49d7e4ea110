import { delay } from '../../daemon/util/backoff.js';
import { message } from '../errors.js';
import type { FaultSpec } from '../faults/spec.js';
import type { ActiveFaultInfo, FaultHost, RevertRecord } from '../host/fault-host.js';
import type { Step } from '../scenario/schema.js';
import type { FaultRecord } from './report.js';

/** Where a drill's faults are hosted (a local FaultHost, or the nodes of a cluster through the host module). */
export interface DrillFaults {
  /** Injects on `node` (default: this one) with a deadline the hosting node enforces on its own. */
  inject(
    spec: FaultSpec,
    options: { durationMs: number; controller: string; node?: string },
  ): Promise<ActiveFaultInfo>;
  /** Reverts one; undefined when it was already reverted (deadline, abort). */
  revert(id: string, reason: 'requested'): Promise<RevertRecord | undefined>;
  /** Reverts everything (abort). */
  revertAll(reason: 'abort'): Promise<RevertRecord[]>;
  /** Keeps the controller's faults alive (dead man's switch). */
  heartbeat(controller: string): void;
  /** Faults in force. */
  list(): ActiveFaultInfo[];
  /** Calls back on every revert (whoever caused it); returns the unsubscribe. */
  onReverted(listener: (record: RevertRecord) => void): () => void;
}

/** A local FaultHost as a drill's fault backend (it hosts every fault itself). */
export function hostFaults(host: FaultHost): DrillFaults {
  return {
    inject: (spec, { durationMs, controller }) => host.inject(spec, { durationMs, controller }),
    revert: (id, reason) => host.revert(id, reason),
    revertAll: (reason) => host.revertAll(reason),
    heartbeat: (controller) => host.heartbeat(controller),
    list: () => host.list(),
    onReverted: (listener) => {
      host.on('reverted', listener);
      return () => host.off('reverted', listener);
    },
  };
}

/** What running steps needs. */
export interface StepRun {
  faults: DrillFaults;
  controller: string;
  /** Nodes hosting each fault step (the blast radius). */
  nodes: string[];
  dryRun: boolean;
  signal: AbortSignal;
  records: FaultRecord[];
  reverts: RevertRecord[];
  /** Reports step failures (deadline, inject error). */
  fail(text: string): void;
}

/** Sleeps `ms`, cut short by the abort signal (the daemon's own abortable delay). */
export const sleep = delay;

/** Every fault step of a tree, in order, for the dry-run plan and the scope. */
export function faultSteps(steps: Step[]): Extract<Step, { fault: unknown }>[] {
  const out: Extract<Step, { fault: unknown }>[] = [];
  for (const s of steps) {
    if ('fault' in s) out.push(s);
    else if ('series' in s) out.push(...faultSteps(s.series));
    else if ('parallel' in s) out.push(...faultSteps(s.parallel));
  }
  return out;
}

async function runFault(step: Extract<Step, { fault: unknown }>, run: StepRun): Promise<void> {
  await Promise.all(run.nodes.map((node) => runFaultOn(step, node, run)));
}

async function runFaultOn(
  step: Extract<Step, { fault: unknown }>,
  node: string,
  run: StepRun,
): Promise<void> {
  const record: FaultRecord = {
    id: null,
    step: step.name ?? step.fault.kind,
    kind: step.fault.kind,
    target: '',
    magnitude: {},
    duration_ms: step.duration,
    node,
    injected_at: null,
    reverted_at: null,
    revert_reason: null,
    error: null,
  };
  run.records.push(record);
  if (run.dryRun || run.signal.aborted) return;
  const deadline = step.deadline ?? step.duration + 10_000;
  const started = Date.now();
  try {
    const info = await run.faults.inject(step.fault, {
      durationMs: step.duration,
      controller: run.controller,
      node,
    });
    Object.assign(record, {
      id: info.id,
      target: info.target,
      magnitude: info.magnitude,
      injected_at: info.injected_at,
    });
  } catch (error) {
    record.error = message(error);
    run.fail(`step "${record.step}" on ${node}: inject failed: ${record.error}`);
    return;
  }
  await sleep(Math.max(0, step.duration - (Date.now() - started)), run.signal);
  const reverted = await run.faults.revert(record.id as string, 'requested').catch((error) => {
    record.error = message(error);
    return undefined;
  });
  // Reverted by the host already (deadline, abort): its record is in run.reverts.
  const done = reverted ?? run.reverts.find((r) => r.id === record.id);
  // A remote host's revert is known only from the reply; a local one came through onReverted.
  if (reverted && !run.reverts.some((r) => r.id === reverted.id)) run.reverts.push(reverted);
  record.reverted_at = done?.at ?? Date.now();
  record.revert_reason = done?.reason ?? 'requested';
  if (done?.errors.length) record.error = done.errors.join('; ');
  if (Date.now() - started > deadline)
    run.fail(`step "${record.step}" on ${node}: over its deadline of ${deadline} ms`);
}

/** Runs steps in series (the top level and `series`) or together (`parallel`). */
export async function runSteps(steps: Step[], run: StepRun): Promise<void> {
  for (const step of steps) {
    if (run.signal.aborted && !run.dryRun) return;
    if ('fault' in step) await runFault(step, run);
    else if ('wait' in step) {
      if (!run.dryRun) await sleep(step.wait, run.signal);
    } else if ('series' in step) await runSteps(step.series, run);
    else await Promise.all(step.parallel.map((s) => runSteps([s], run)));
  }
}
