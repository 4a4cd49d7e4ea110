import { randomBytes } from 'node:crypto';
import { ChaosError } from '../errors.js';
import type { RevertRecord } from '../host/fault-host.js';
import type { AbortCondition, Scenario } from '../scenario/schema.js';
import { abortWatch } from './abort-watch.js';
import { buildChecks } from './checks.js';
import { placeFaults } from './placement.js';
import { type DrillReport, score, summarize } from './report.js';
import { type DrillFaults, faultSteps, runSteps, sleep } from './steps.js';
import type { DrillTarget, Sample, TaskHistory } from './target.js';
import { allFinal, countTasks } from './task-count.js';

/** Progress pushed while a drill runs (CLI `--wait`, client protocol events). */
export type DrillEvent =
  | { type: 'phase'; run_id: string; phase: 'steady' | 'inject' | 'recovery' | 'report' }
  | { type: 'sample'; run_id: string; sample: Sample }
  | { type: 'abort'; run_id: string; condition: string };

/** How to run a drill. */
export interface DrillOptions {
  /** Run id (default: a new `cr_…`). */
  runId?: string;
  /** Plan only: check scope and requirements, inject nothing. */
  dryRun?: boolean;
  /** Aborts the drill (everything reverted at once), like `aidos chaos abort`. */
  signal?: AbortSignal;
  /** Progress listener. */
  onEvent?: (event: DrillEvent) => void;
}

function withinHypothesis(s: Sample, scenario: Scenario): boolean {
  const h = scenario.hypothesis;
  if (!h.health.includes(s.health as 'pass')) return false;
  return h.max_queue_age === undefined || s.queue_age_ms === null || s.queue_age_ms <= h.max_queue_age;
}

function describeAbort(c: AbortCondition): string {
  if (c.when === 'health_fail') return `health_fail for ${c.for} ms`;
  return `${c.when} above ${c.above}`;
}

/**
 * Runs one drill: steady state → inject (with load and continuous abort checks) → revert →
 * recovery → report. Faults are injected with deadlines their host enforces, and the controller
 * sends heartbeats while it runs, so a dead controller's faults are reverted without it.
 */
export async function runDrill(
  scenario: Scenario,
  target: DrillTarget,
  faults: DrillFaults,
  options: DrillOptions = {},
): Promise<DrillReport> {
  const runId = options.runId ?? `cr_${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const emit = (e: DrillEvent) => options.onEvent?.(e);
  const caps = await target.capabilities();
  for (const need of scenario.requires) {
    const met = need === 'postgres' ? caps.postgres : need === 'agents' ? caps.agents : caps.clusterSize >= 2;
    if (!met)
      throw new ChaosError(
        'refused',
        `requires: ${scenario.name} needs ${need}, which node ${target.nodeId} lacks`,
        {
          field: 'requires',
        },
      );
  }
  const nodes = placeFaults(scenario, target.nodeId, await target.members());
  const label = `chaos_run=${runId}`;
  const controller = `drill:${runId}`;
  const startedAt = Date.now();
  const timeline: DrillReport['timeline'] = [];
  const errors: string[] = [];
  const reverts: RevertRecord[] = [];
  const stop = new AbortController();
  const dryRun = options.dryRun ?? false;
  const take = async (phase: 'before' | 'during' | 'after') => {
    const s = await target.sample(label);
    timeline.push({ ...s, phase });
    emit({ type: 'sample', run_id: runId, sample: s });
    return s;
  };
  const report = (partial: Partial<DrillReport>): DrillReport => {
    const phase = (p: string) => summarize(timeline.filter((t) => t.phase === p));
    return {
      run_id: runId,
      scenario: scenario.name,
      description: scenario.description,
      verdict: 'failed',
      dry_run: dryRun,
      started_at: startedAt,
      finished_at: Date.now(),
      hypothesis: scenario.hypothesis,
      scope: {
        nodes,
        cluster_size: caps.clusterSize,
        protected: scenario.scope.protected,
        limit: scenario.scope.nodes,
      },
      faults: [],
      timeline,
      results: { before: phase('before'), during: phase('during'), after: phase('after') },
      aborts: scenario.abort.map((c) => ({ condition: describeAbort(c), fired: false, at: null })),
      time_to_detect_ms: null,
      time_to_recover_ms: null,
      tasks: {
        submitted: 0,
        submit_failed: 0,
        succeeded: 0,
        failed: 0,
        lost: 0,
        completed_twice: 0,
        success_rate: null,
        lost_ids: [],
        twice_ids: [],
      },
      checks: [],
      resilience_score: 0,
      left_injected: [],
      errors,
      ...partial,
    };
  };

  if (dryRun) {
    const records: DrillReport['faults'] = [];
    await runSteps(scenario.steps, {
      faults,
      controller,
      nodes,
      dryRun: true,
      signal: stop.signal,
      records,
      reverts,
      fail: (t) => errors.push(t),
    });
    for (const [i, step] of faultSteps(scenario.steps).entries()) {
      const { kind: _kind, ...magnitude } = step.fault;
      Object.assign(records[i] as object, { magnitude, target: JSON.stringify(step.fault) });
    }
    return report({ verdict: 'dry_run', faults: records });
  }

  // 1. Steady state: three samples inside the hypothesis (the first answer may still be warming up).
  emit({ type: 'phase', run_id: runId, phase: 'steady' });
  let steady = false;
  const steadyDeadline = Date.now() + 15_000;
  for (let ok = 0; Date.now() < steadyDeadline && ok < 3; ) {
    ok = withinHypothesis(await take('before'), scenario) ? ok + 1 : 0;
    steady = ok >= 3;
    if (!steady) await sleep(scenario.observe.every);
  }
  const baseline = new Set(timeline.at(-1)?.failing ?? []);
  /** The sample differs from the steady state: health, a new failing check, fewer alive members, or a member that refuted or rejoined. */
  const worse = (s: Sample) => {
    const before = timeline[0]?.members ?? null;
    const fewerMembers = s.members !== null && before !== null && s.members < before;
    const incarnationsBefore = timeline[0]?.incarnations ?? null;
    const membershipMoved =
      s.incarnations != null && incarnationsBefore !== null && s.incarnations > incarnationsBefore;
    const rank = (h: string | undefined) => ['pass', 'warn', 'fail', 'down'].indexOf(h ?? 'pass');
    return (
      rank(s.health) > rank(timeline[0]?.health) ||
      s.failing.some((f) => !baseline.has(f)) ||
      fewerMembers ||
      membershipMoved
    );
  };
  if (!steady) {
    const checks = buildChecks({ scenario, steady: false });
    return report({ verdict: 'not_steady', checks, resilience_score: score(checks) });
  }

  // 2. Inject, with load and the observer running alongside.
  emit({ type: 'phase', run_id: runId, phase: 'inject' });
  const unsubscribe = faults.onReverted((r) => reverts.push(r));
  // Remote reverts are known from the replies only; local ones came through onReverted already.
  const keep = (records: RevertRecord[]) => {
    for (const r of records) if (!reverts.some((x) => x.id === r.id)) reverts.push(r);
  };
  const ids: string[] = [];
  let submitFailed = 0;
  const load = (async () => {
    for (let i = 0; i < scenario.load.tasks; i++) {
      if (i > 0) await sleep(scenario.load.every);
      // A client retries a refused submit (the store may be down for a moment); the idempotency key
      // makes a retry after a lost reply return the same task instead of a second one.
      const key = `${runId}-${i}`;
      let id: string | undefined;
      for (let attempt = 0; attempt < 10 && id === undefined; attempt++) {
        id = await target
          .submit({ message: scenario.load.message, max_attempts: scenario.load.max_attempts, label, key })
          .catch(() => undefined);
        if (id === undefined) await sleep(1_000);
      }
      if (id === undefined) submitFailed++;
      else ids.push(id);
    }
  })();
  const watch = abortWatch(scenario.abort, options.signal, () => stop.abort());
  const records: DrillReport['faults'] = [];
  let detectedAt: number | null = null;
  let observing = true;
  const observer = (async () => {
    while (observing) {
      faults.heartbeat(controller);
      const s = await take('during');
      if (detectedAt === null && worse(s) && faults.list().length > 0) detectedAt = s.at;
      const fired = watch.check(s);
      if (fired) {
        emit({ type: 'abort', run_id: runId, condition: fired });
        keep(await faults.revertAll('abort'));
      }
      await sleep(scenario.observe.every, stop.signal);
    }
  })();
  if (options.signal?.aborted) watch.fireManual();
  await runSteps(scenario.steps, {
    faults,
    controller,
    nodes,
    dryRun: false,
    signal: stop.signal,
    records,
    reverts,
    fail: (t) => errors.push(t),
  });
  if (stop.signal.aborted) keep(await faults.revertAll('abort'));
  observing = false;
  await observer;
  unsubscribe();
  const lastRevert = Math.max(startedAt, ...records.map((r) => r.reverted_at ?? 0));
  const firstInject = Math.min(...records.map((r) => r.injected_at ?? Number.POSITIVE_INFINITY));

  // 3. Recovery: steady again and every drill task final, within max_recovery of the last revert.
  emit({ type: 'phase', run_id: runId, phase: 'recovery' });
  await load;
  const recoverBy = lastRevert + scenario.hypothesis.max_recovery;
  let recoveredAt: number | null = null;
  let histories: TaskHistory[] = [];
  while (Date.now() < recoverBy) {
    const s = await take('after');
    // An instant fault (a killed daemon) is noticed after its step ended: still its detection.
    // Recovery seen before that was not one: it starts over once the fault shows.
    if (detectedAt === null && worse(s)) {
      detectedAt = s.at;
      recoveredAt = null;
    }
    // Recovered also means every member is back (a killed node restarted and rejoined).
    const members = timeline[0]?.members ?? null;
    const rejoined = members === null || s.members === null || s.members >= members;
    if (!rejoined || !withinHypothesis(s, scenario)) recoveredAt = null;
    else recoveredAt ??= s.at;
    histories = await target.histories(ids);
    // A bound on detection keeps watching until the fault shows (or the recovery bound ends it).
    const awaitingDetection =
      detectedAt === null && scenario.hypothesis.max_detection !== undefined && !watch.fired();
    if (recoveredAt !== null && allFinal(histories) && !awaitingDetection) break;
    await sleep(scenario.observe.every);
  }
  // An unanswered lookup says nothing about the task: ask again before counting it lost.
  histories = await target.histories(ids);
  for (let attempt = 0; attempt < 10 && histories.some((h) => h.state === 'unknown'); attempt++) {
    await sleep(1_000);
    histories = await target.histories(ids);
  }
  emit({ type: 'phase', run_id: runId, phase: 'report' });

  // 4. Report: counted from the task history; "nothing left" from the hosts' outside checks.
  const counted = countTasks(histories);
  const left = [
    ...faults.list().map((f) => `${f.kind} ${f.id} still in force`),
    ...reverts.flatMap((r) => r.left),
  ];
  for (const r of reverts) errors.push(...r.errors.map((e) => `revert ${r.id}: ${e}`));
  const tasks = {
    submitted: ids.length,
    submit_failed: submitFailed,
    succeeded: counted.succeeded,
    failed: counted.failed,
    lost: counted.lost_ids.length,
    completed_twice: counted.twice_ids.length,
    success_rate: ids.length ? counted.succeeded / ids.length : null,
    lost_ids: counted.lost_ids,
    twice_ids: counted.twice_ids,
  };
  const timeToDetect =
    detectedAt !== null && Number.isFinite(firstInject) ? Math.max(0, detectedAt - firstInject) : null;
  const timeToRecover = recoveredAt !== null ? Math.max(0, recoveredAt - lastRevert) : null;
  const checks = buildChecks({
    scenario,
    steady: true,
    aborted: watch.fired(),
    stepErrors: errors.length,
    timeToDetect,
    timeToRecover,
    tasks,
    left,
  });
  const failedChecks = checks.filter((c) => !c.passed);
  return report({
    verdict: watch.fired() ? 'aborted' : failedChecks.length ? 'failed' : 'passed',
    faults: records,
    aborts: watch.records(scenario.abort.map(describeAbort)),
    time_to_detect_ms: timeToDetect,
    time_to_recover_ms: timeToRecover,
    tasks,
    checks,
    resilience_score: score(checks),
    left_injected: left,
  });
}
