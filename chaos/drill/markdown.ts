import { timelineChart } from './chart.js';
import type { DrillReport, PhaseSummary } from './report.js';

const ms = (v: number | null) => (v === null ? '—' : `${(v / 1000).toFixed(2)} s`);

function phaseRow(name: string, p: PhaseSummary): string {
  const h = p.health;
  return `| ${name} | ${p.samples} | ${h.pass} / ${h.warn} / ${h.fail} / ${h.down} | ${ms(p.max_queue_age_ms)} | ${p.failing.join(', ') || '—'} |`;
}

/** The report for people: verdict first, then what was done, what was seen and what is left. */
export function reportMarkdown(r: DrillReport): string {
  const lines = [
    `# Chaos drill ${r.run_id}: ${r.scenario} — ${r.verdict.toUpperCase()} (score ${r.resilience_score}/100)`,
    '',
    r.description.trim(),
    '',
    `Started ${new Date(r.started_at).toISOString()}, took ${ms(r.finished_at - r.started_at)}.${r.dry_run ? ' **Dry run: nothing was injected.**' : ''}`,
    '',
    '## Hypothesis and scope',
    '',
    `- Steady state: readiness in ${JSON.stringify(r.hypothesis.health)}, task success ≥ ${Number(r.hypothesis.task_success_rate) * 100}%, recovery within ${ms(Number(r.hypothesis.max_recovery))}${r.hypothesis.max_detection !== undefined ? `, detection within ${ms(Number(r.hypothesis.max_detection))}` : ''}`,
    `- Blast radius: ${r.scope.nodes.join(', ')} of ${r.scope.cluster_size} node(s), limit ${r.scope.limit}; protected: ${r.scope.protected.join(', ') || 'none'}`,
    '',
    '## Faults',
    '',
    '| step | kind | target | magnitude | duration | reverted by | error |',
    '|---|---|---|---|---|---|---|',
    ...r.faults.map(
      (f) =>
        `| ${f.step} | ${f.kind} | ${f.target} | ${JSON.stringify(f.magnitude)} | ${ms(f.duration_ms)} | ${f.revert_reason ?? '—'} | ${f.error ?? ''} |`,
    ),
    '',
    '## Timeline',
    '',
    '```',
    timelineChart(r),
    '```',
    '',
    '| phase | samples | pass / warn / fail / down | max queue age | checks not passing |',
    '|---|---|---|---|---|',
    phaseRow('before', r.results.before),
    phaseRow('during', r.results.during),
    phaseRow('after', r.results.after),
    '',
    `Time to detect: ${ms(r.time_to_detect_ms)}. Time to recover: ${ms(r.time_to_recover_ms)}.`,
    '',
    '## Tasks (counted from the task history)',
    '',
    `Submitted ${r.tasks.submitted} (${r.tasks.submit_failed} refused at submit), succeeded ${r.tasks.succeeded}, failed ${r.tasks.failed}, **lost ${r.tasks.lost}**, **completed twice ${r.tasks.completed_twice}**.`,
    '',
    '## Abort conditions',
    '',
    ...(r.aborts.length
      ? r.aborts.map(
          (a) =>
            `- ${a.condition}: ${a.fired ? `FIRED at ${new Date(a.at ?? 0).toISOString()}` : 'did not fire'}`,
        )
      : ['- none']),
    '',
    '## Checks',
    '',
    '| check | held | weight | detail |',
    '|---|---|---|---|',
    ...r.checks.map((c) => `| ${c.name} | ${c.passed ? 'yes' : '**no**'} | ${c.weight} | ${c.detail} |`),
    '',
    '## Left injected',
    '',
    r.left_injected.length
      ? r.left_injected.map((l) => `- ${l}`).join('\n')
      : 'Nothing: every fault was reverted and checked from outside.',
  ];
  if (r.errors.length) lines.push('', '## Errors', '', ...r.errors.map((e) => `- ${e}`));
  return `${lines.join('\n')}\n`;
}
