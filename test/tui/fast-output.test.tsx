// The faster Output.get must give Ink's string for every frame: both run on the same Output (the
// App's own frames in colour, and hand-made writes with styles, wide characters and clips).
import { afterAll, describe, expect, it } from 'vitest';
import type { Task } from '../../shared/tasks.js';
import type { InkOutput } from '../../tui/app/fast-output.js';
import { waitFor } from '../helpers/wait.js';

// Colour on before Ink's chalk loads (this file imports Ink only dynamically), so the frames
// carry the ANSI styles whose transitions the fast path caches.
const forceColor = process.env.FORCE_COLOR;
process.env.FORCE_COLOR = '3';
afterAll(() => {
  if (forceColor === undefined) delete process.env.FORCE_COLOR;
  else process.env.FORCE_COLOR = forceColor;
});

async function setup() {
  const fast = await import('../../tui/app/fast-output.js');
  expect(await fast.installFastOutput()).toBe('fast');
  const { Output } = await fast.inkOutput();
  return { Output, original: fast.inkOriginalGet()!, fastGet: Output.prototype.get };
}

describe('fast Output.get', () => {
  it('is installed on the Ink version the lockfile pins (a new Ink must be checked again)', async () => {
    const fast = await import('../../tui/app/fast-output.js');
    expect(fast.VERIFIED_INK).toContain(await fast.inkVersion());
  });

  it("gives Ink's string for styled, wide, clipped and overlapping writes", async () => {
    const { Output, original, fastGet } = await setup();
    const red = (s: string) => `\x1b[31m${s}\x1b[39m`;
    const cases: ((o: InkOutput) => void)[] = [
      (o) => o.write(0, 0, `plain ${red('red')} \x1b[1mbold\x1b[22m tail`, { transformers: [] }),
      (o) => o.write(2, 1, '日本語 and 🚀 wide … █▄▁ ›', { transformers: [] }),
      (o) => {
        o.write(0, 0, 'first line\nsecond line\nthird', {
          transformers: [(s: string, i: number) => (i === 1 ? `\x1b[7m${s}\x1b[27m` : s)],
        });
        o.write(3, 1, red('over'), { transformers: [] });
      },
      (o) => {
        o.clip({ y1: 1, y2: 3 });
        o.write(0, 0, 'a\nb\nc\nd\ne', { transformers: [] });
        o.unclip();
        o.write(0, 4, `\x1b[44m\x1b[1m\x1b[2mdim bold on blue\x1b[0m after reset`, { transformers: [] });
      },
      (o) => o.write(0, -1, 'above\nnot drawn either', { transformers: [] }),
      (o) => o.write(35, 2, 'runs past the right edge of the grid', { transformers: [] }),
      (o) => {
        // Horizontal clipping: handed to Ink's own get.
        o.clip({ x1: 2, x2: 10, y1: 0, y2: 5 });
        o.write(0, 0, red('clipped on both sides'), { transformers: [] });
        o.unclip();
      },
    ];
    for (const fill of cases)
      for (let round = 0; round < 2; round++) {
        // Twice: the second time every line comes from the cache.
        const o = new Output({ width: 40, height: 6 });
        fill(o);
        expect(fastGet.call(o)).toEqual(original.call(o));
      }
  });

  it("gives Ink's string for every frame of the App in colour", async () => {
    const { Output, original, fastGet } = await setup();
    let checked = 0;
    const mismatches: string[] = [];
    Output.prototype.get = function check(this: InkOutput) {
      const mine = fastGet.call(this);
      const ink = original.call(this);
      checked++;
      if (mine.output !== ink.output || mine.height !== ink.height)
        mismatches.push(`${ink.output}\n---\n${mine.output}`);
      return mine;
    };
    try {
      const { createElement } = await import('react');
      const { render } = await import('ink-testing-library');
      const { App } = await import('../../tui/app/App.js');
      const { contextSwitcher } = await import('../../tui/app/context-switcher.js');
      const { themeFor } = await import('../../tui/app/theme.js');
      const { FleetConnection } = await import('../../tui/fleet/connection.js');
      const { buildKeymap } = await import('../../tui/keys/keymap.js');
      const connection = new FleetConnection({ urls: ['http://127.0.0.1:9'] });
      const now = Date.now();
      const states = ['queued', 'running', 'succeeded', 'failed', 'cancelled', 'dead'] as const;
      const { taskFixture } = await import('../helpers/tui-app.js');
      const task = (i: number): Task =>
        taskFixture(i, {
          message:
            i % 7 === 0 ? `wide 日本語 🚀 message ${i} ${'x'.repeat(i % 90)}` : `task ${i}\twith a tab`,
          state: states[i % states.length]!,
          attempt: 1,
          created_at: now - i * 1000,
          node_id: i % 2 ? 'n1' : null,
        });
      connection.store.tasksSnapshot(Array.from({ length: 300 }, (_, i) => task(i)));
      const ui = render(
        createElement(App, {
          connection,
          keymap: buildKeymap(),
          theme: themeFor({}),
          readonly: false,
          contexts: contextSwitcher({}, connection, null),
          size: { columns: 100, rows: 30 },
        }),
      );
      try {
        await waitFor(() => ui.lastFrame()?.includes('t_1000299'), 5_000, 'the task list');
        expect(ui.lastFrame()).toContain('\x1b['); // colour really is on
        const steps = ['j', 'j', 'G', 'g', '?', '\x1b', '/wide\r', '\x1b', '1', '2', '4', '5', '3', 'k'];
        for (const key of steps) {
          const before = checked;
          ui.stdin.write(key);
          connection.store.taskChange({ ...task(checked), state: 'failed', updated_at: now + checked });
          await waitFor(() => checked > before, 5_000, `a frame after ${JSON.stringify(key)}`);
        }
      } finally {
        ui.unmount();
      }
    } finally {
      Output.prototype.get = fastGet;
    }
    expect(mismatches).toEqual([]);
    expect(checked).toBeGreaterThan(14);
  });
});
