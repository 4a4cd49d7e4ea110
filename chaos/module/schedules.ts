import { Cron } from 'croner';
import type { Logger } from '../../daemon/log/logger.js';
import type { DrillTarget } from '../drill/target.js';
import { message } from '../errors.js';
import type { Scenario } from '../scenario/schema.js';
import type { DrillRunner } from './drills.js';

/** One configured schedule (chaos.schedules[]). */
export interface DrillSchedule {
  /** Scenario of the library. */
  scenario: string;
  /** When to try (croner syntax, seconds optional). */
  cron: string;
  /** Allowed weekdays (mon..sun). */
  days: string[];
  /** Allowed local hours, START-END (end excluded), e.g. 9-17. */
  hours: string;
  /** Least time between two scheduled drills (ms). */
  min_gap: number;
}

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/** Inside the allowed window (weekday and local hour), like Chaos Monkey's business hours. */
export function inWindow(at: Date, days: string[], hours: string): boolean {
  const [start, end] = hours.split('-').map(Number) as [number, number];
  const h = at.getHours();
  const inHours = start <= end ? h >= start && h < end : h >= start || h < end;
  return days.includes(DAYS[at.getDay()] as string) && inHours;
}

/** Why a scheduled drill is skipped now, or undefined to run it. */
export async function skipReason(
  s: DrillSchedule,
  at: Date,
  state: {
    enabled: boolean;
    running: boolean;
    lastScheduledAt: number | null;
    health: () => Promise<string>;
  },
): Promise<string | undefined> {
  if (!state.enabled) return 'chaos is disabled';
  if (!inWindow(at, s.days, s.hours)) return `outside the allowed window (${s.days.join(',')} ${s.hours})`;
  if (state.running) return 'another drill is running';
  if (state.lastScheduledAt !== null && at.getTime() - state.lastScheduledAt < s.min_gap)
    return 'within min_gap of the last one';
  const health = await state.health();
  if (health !== 'pass' && health !== 'warn') return `the node is not healthy (${health})`;
  return undefined;
}

/** Starts scheduled drills on cron ticks, skipping (and logging why) outside the rules. */
export function startSchedules(
  schedules: DrillSchedule[],
  deps: {
    enabled: boolean;
    drills: DrillRunner;
    library: () => Map<string, Scenario>;
    target: () => DrillTarget;
    logger: Logger;
  },
): () => void {
  let last: number | null = null;
  const jobs = schedules.map(
    (s) =>
      new Cron(s.cron, { protect: true }, async () => {
        const now = new Date();
        const why = await skipReason(s, now, {
          enabled: deps.enabled,
          running: deps.drills.running !== null,
          lastScheduledAt: last,
          health: async () => (await deps.target().sample('chaos_run=none')).health,
        });
        if (why)
          return deps.logger.info({ scenario: s.scenario, reason: why }, 'scheduled chaos drill skipped');
        const scenario = deps.library().get(s.scenario);
        if (!scenario)
          return deps.logger.error({ scenario: s.scenario }, 'scheduled chaos drill: no such scenario');
        try {
          const run = await deps.drills.start(scenario, false);
          last = now.getTime();
          deps.logger.warn({ scenario: s.scenario, run: run.run_id }, 'scheduled chaos drill started');
        } catch (error) {
          deps.logger.info({ scenario: s.scenario, reason: message(error) }, 'scheduled chaos drill skipped');
        }
      }),
  );
  return () => {
    for (const j of jobs) j.stop();
  };
}
