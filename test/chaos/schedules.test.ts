import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inWindow, skipReason } from '../../chaos/module/schedules.js';
import { loadConfig } from '../../daemon/config/load.js';

const schedule = {
  scenario: 'cpu-saturation',
  cron: '0 */30 * * * *',
  days: ['mon', 'tue', 'wed', 'thu', 'fri'],
  hours: '9-17',
  min_gap: 3_600_000,
};
// 2026-12-01 is a Tuesday.
const tuesday = (hour: number) => new Date(2026, 11, 1, hour, 15);
const state = { enabled: true, running: false, lastScheduledAt: null, health: async () => 'pass' };

describe('chaos schedules', () => {
  it('run only on allowed weekdays and hours (end excluded, windows may wrap midnight)', () => {
    expect(inWindow(tuesday(9), schedule.days, '9-17')).toBe(true);
    expect(inWindow(tuesday(17), schedule.days, '9-17')).toBe(false);
    expect(inWindow(new Date(2026, 11, 5, 10), schedule.days, '9-17')).toBe(false); // Saturday
    expect(inWindow(tuesday(23), schedule.days, '22-6')).toBe(true);
    expect(inWindow(tuesday(12), schedule.days, '22-6')).toBe(false);
  });

  it('skip while disabled, outside the window, during another drill, within min_gap, or unhealthy', async () => {
    expect(await skipReason(schedule, tuesday(10), state)).toBeUndefined();
    expect(await skipReason(schedule, tuesday(10), { ...state, enabled: false })).toMatch(/disabled/);
    expect(await skipReason(schedule, tuesday(20), state)).toMatch(/outside the allowed window/);
    expect(await skipReason(schedule, tuesday(10), { ...state, running: true })).toMatch(/another drill/);
    expect(
      await skipReason(schedule, tuesday(10), { ...state, lastScheduledAt: tuesday(10).getTime() - 60_000 }),
    ).toMatch(/min_gap/);
    expect(await skipReason(schedule, tuesday(10), { ...state, health: async () => 'fail' })).toMatch(
      /not healthy \(fail\)/,
    );
  });

  it('config refuses a bad cron expression or window, naming the key', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'aidos-chaos-cfg-'));
    try {
      const file = join(dir, 'c.yaml');
      await writeFile(
        file,
        'chaos:\n  schedules:\n    - { scenario: cpu-saturation, cron: "every tuesday" }\n',
      );
      expect(() => loadConfig({ file, env: {} })).toThrow(/chaos\.schedules\.0\.cron: not a cron expression/);
      await writeFile(
        file,
        'chaos:\n  schedules:\n    - { scenario: cpu-saturation, cron: "0 0 * * * *", hours: "nine" }\n',
      );
      expect(() => loadConfig({ file, env: {} })).toThrow(/chaos\.schedules\.0\.hours: must be START-END/);
      await writeFile(
        file,
        'chaos:\n  proxies:\n    pg: { listen: "127.0.0.1:6432", upstream: "nowhere" }\n',
      );
      expect(() => loadConfig({ file, env: {} })).toThrow(/chaos\.proxies\.pg\.upstream/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
