import type { Scenario } from '../scenario/schema.js';
import type { Check, DrillReport } from './report.js';

/** What the verdict is computed from. */
export interface CheckInput {
  scenario: Scenario;
  steady: boolean;
  aborted?: boolean;
  stepErrors?: number;
  timeToDetect?: number | null;
  timeToRecover?: number | null;
  tasks?: DrillReport['tasks'];
  left?: string[];
}

/**
 * The weighted checks (Litmus-style resilience score): weights say what matters most — recovery
 * and not losing work — and every check must hold for a passed verdict.
 */
export function buildChecks(input: CheckInput): Check[] {
  const h = input.scenario.hypothesis;
  const checks: Check[] = [
    {
      name: 'steady_before',
      passed: input.steady,
      weight: 10,
      detail: input.steady
        ? 'hypothesis held before the faults'
        : 'hypothesis did not hold: no fault injected',
    },
  ];
  if (!input.steady) return checks;
  const t = input.tasks;
  checks.push(
    {
      name: 'no_abort',
      passed: !input.aborted,
      weight: 10,
      detail: input.aborted ? 'an abort condition fired' : 'none fired',
    },
    {
      name: 'steps',
      passed: (input.stepErrors ?? 0) === 0,
      weight: 10,
      detail: `${input.stepErrors ?? 0} step errors`,
    },
    {
      name: 'recovered',
      passed: input.timeToRecover != null && input.timeToRecover <= h.max_recovery,
      weight: 20,
      detail:
        input.timeToRecover == null
          ? `not back within ${h.max_recovery} ms`
          : `back after ${input.timeToRecover} ms (limit ${h.max_recovery} ms)`,
    },
  );
  if (h.max_detection !== undefined)
    checks.push({
      name: 'detected',
      passed: input.timeToDetect != null && input.timeToDetect <= h.max_detection,
      weight: 10,
      detail:
        input.timeToDetect == null
          ? 'neither health nor membership showed the fault'
          : `seen after ${input.timeToDetect} ms (limit ${h.max_detection} ms)`,
    });
  checks.push(
    {
      name: 'tasks_lost',
      passed: (t?.lost ?? 0) === 0,
      weight: 15,
      detail: `${t?.lost ?? 0} lost of ${t?.submitted ?? 0}`,
    },
    {
      name: 'tasks_completed_twice',
      passed: (t?.completed_twice ?? 0) === 0,
      weight: 15,
      detail: `${t?.completed_twice ?? 0} completed twice`,
    },
    {
      name: 'task_success_rate',
      passed: t?.success_rate == null || t.success_rate >= h.task_success_rate,
      weight: 5,
      detail: `${t?.succeeded ?? 0}/${t?.submitted ?? 0} succeeded (need ${h.task_success_rate * 100}%)`,
    },
    {
      name: 'nothing_left_injected',
      passed: (input.left ?? []).length === 0,
      weight: 5,
      detail: (input.left ?? []).length
        ? (input.left ?? []).join('; ')
        : 'every fault reverted and checked from outside',
    },
  );
  return checks;
}
