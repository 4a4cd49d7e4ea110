import type { DrillReport } from './report.js';

const HEALTH_MARK: Record<string, string> = { pass: '▁', warn: '▄', fail: '█', down: 'X' };
const BARS = ' ▁▂▃▄▅▆▇█';

/** Buckets the timeline into `width` columns, keeping the worst health of each. */
function columns(report: DrillReport, width: number) {
  const t0 = report.timeline[0]?.at ?? report.started_at;
  const t1 = Math.max(t0 + 1, report.timeline.at(-1)?.at ?? report.finished_at);
  const step = (t1 - t0) / width;
  const order = ['pass', 'warn', 'fail', 'down'];
  const cols = Array.from({ length: width }, (_, i) => ({
    from: t0 + i * step,
    health: '',
    phase: '',
    running: 0,
    queued: 0,
  }));
  for (const s of report.timeline) {
    const c = cols[Math.min(width - 1, Math.floor((s.at - t0) / step))];
    if (!c) continue;
    if (order.indexOf(s.health) > order.indexOf(c.health)) c.health = s.health;
    c.phase = c.phase === 'during' ? c.phase : s.phase;
    c.running = Math.max(c.running, s.tasks.running ?? 0);
    c.queued = Math.max(c.queued, s.tasks.queued ?? 0);
  }
  // Empty columns repeat the one before, so gaps between samples do not read as "healthy".
  for (let i = 1; i < cols.length; i++) {
    const c = cols[i] as (typeof cols)[number];
    const prev = cols[i - 1] as (typeof cols)[number];
    if (!c.health)
      Object.assign(c, {
        health: prev.health,
        phase: prev.phase,
        running: prev.running,
        queued: prev.queued,
      });
  }
  return { cols, t0, t1 };
}

function faultRow(report: DrillReport, cols: { from: number }[], step: number): string {
  return cols
    .map((c) =>
      report.faults.some(
        (f) =>
          f.injected_at !== null &&
          f.injected_at <= c.from + step &&
          (f.reverted_at ?? Number.POSITIVE_INFINITY) >= c.from,
      )
        ? '#'
        : '·',
    )
    .join('');
}

function bars(values: number[]): string {
  const max = Math.max(1, ...values);
  return values.map((v) => BARS[Math.round((v / max) * (BARS.length - 1))]).join('');
}

/** A timeline a person can read in a terminal: faults, health and the drill's tasks over time. */
export function timelineChart(report: DrillReport, width = 60): string {
  if (report.timeline.length === 0) return '(no samples)';
  const { cols, t0, t1 } = columns(report, width);
  const step = (t1 - t0) / width;
  const seconds = ((t1 - t0) / 1000).toFixed(1);
  const axis = `0s${' '.repeat(Math.max(1, width - 2 - seconds.length - 1))}${seconds}s`;
  return [
    `faults   ${faultRow(report, cols, step)}`,
    `health   ${cols.map((c) => HEALTH_MARK[c.health] ?? ' ').join('')}`,
    `running  ${bars(cols.map((c) => c.running))}`,
    `queued   ${bars(cols.map((c) => c.queued))}`,
    `         ${axis}`,
    '         # fault in force   health ▁ pass ▄ warn █ fail X down',
  ].join('\n');
}
