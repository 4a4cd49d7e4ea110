import { afterEach, describe, expect, it } from 'vitest';
import type { Task } from '../../shared/tasks.js';
import { enterAltScreen } from '../../tui/app/alt-screen.js';
import { FleetConnection } from '../../tui/fleet/connection.js';
import { isMouseInput, MOUSE_OFF, MOUSE_ON, parseMouse } from '../../tui/keys/mouse.js';
import { renderOfflineApp } from '../helpers/tui-app.js';
import { waitFor } from '../helpers/wait.js';

describe('SGR mouse parser', () => {
  it('reads presses, releases and wheel turns, 0-based, with or without ESC', () => {
    expect(parseMouse('\x1b[<0;5;7M')).toEqual({ kind: 'press', button: 0, x: 4, y: 6 });
    expect(parseMouse('\x1b[<0;5;7m')).toEqual({ kind: 'release', button: 0, x: 4, y: 6 });
    expect(parseMouse('[<2;1;1M')).toEqual({ kind: 'press', button: 2, x: 0, y: 0 });
    expect(parseMouse('\x1b[<64;10;3M')).toEqual({ kind: 'wheel-up', button: 0, x: 9, y: 2 });
    expect(parseMouse('\x1b[<65;10;3M')).toEqual({ kind: 'wheel-down', button: 0, x: 9, y: 2 });
    // Shift/meta/ctrl bits do not change what was pressed.
    expect(parseMouse('\x1b[<16;300;80M')).toEqual({ kind: 'press', button: 0, x: 299, y: 79 });
  });

  it('ignores motion, extra buttons, bad positions and anything that is a key', () => {
    for (const s of [
      '\x1b[<32;5;7M',
      '\x1b[<128;5;7M',
      '\x1b[<0;0;7M',
      'j',
      '\x1b[A',
      '[<0;5M',
      '\x1b[<0;5;7X',
    ])
      expect(parseMouse(s)).toBeNull();
    expect(isMouseInput('[<0;5;7M')).toBe(true);
    expect(isMouseInput('5')).toBe(false);
  });
});

const base = Date.now() - 60_000;
const tasks = Array.from(
  { length: 10 },
  (_, i) =>
    ({
      id: `t_${String(i + 1).padStart(4, '0')}`,
      state: i % 2 ? 'queued' : 'succeeded',
      node_id: 'n1',
      attempt: 1,
      max_attempts: 3,
      profile: 'p',
      created_at: base + i * 1000,
      updated_at: base + i * 1000,
      message: 'job',
    }) as Task,
);

const mounted: (() => void)[] = [];
afterEach(() => {
  while (mounted.length) mounted.pop()!();
});

function mount() {
  const connection = new FleetConnection({ urls: ['http://127.0.0.1:9'] });
  connection.store.tasksSnapshot(tasks);
  const ui = renderOfflineApp(connection, { columns: 120, rows: 24 });
  mounted.push(ui.unmount);
  const frame = (re: RegExp, what: string) =>
    waitFor(() => (re.test(ui.lastFrame() ?? '') ? ui.lastFrame()! : undefined), 10_000, what).catch(
      (e: Error) => {
        throw new Error(`${e.message}\n${ui.lastFrame()}`);
      },
    );
  // Screen rows (1-based, as terminals report): 1-2 header, 3 breadcrumb, 4 table header, 5.. rows.
  const click = (x: number, y: number) => ui.stdin.write(`\x1b[<0;${x};${y}M\x1b[<0;${x};${y}m`);
  return { frame, click, write: (s: string) => ui.stdin.write(s) };
}

describe('alt-screen helper', () => {
  it('turns SGR mouse reporting on when entering and off (once) when leaving', () => {
    const written: string[] = [];
    const out = { isTTY: true, write: (s: string) => written.push(s) } as unknown as NodeJS.WriteStream;
    const leave = enterAltScreen(out);
    expect(written.join('')).toContain(MOUSE_ON);
    expect(MOUSE_ON).toBe('\x1b[?1000h\x1b[?1006h');
    leave();
    leave();
    expect(written.join('').split(MOUSE_OFF)).toHaveLength(2);
    expect(written.at(-1)!.startsWith(MOUSE_OFF)).toBe(true);
    expect(written.at(-1)!.endsWith('\x1b[?1049l')).toBe(true);
  });
});

describe('mouse in the TUI', () => {
  it('a click on a row selects it, and its bytes never act as keys', async () => {
    const { frame, click, write } = mount();
    await frame(/t_0010/, 'the task list');
    click(5, 7); // the third row: t_0008 (newest first); "5", "7" would be view keys if leaked
    write('\r');
    // Still the tasks breadcrumb: a leaked "5" or "7" would have switched view and reset it.
    await frame(/^tasks › task t_0008$/m, 'the detail of the clicked task');
  });

  it('a click on a header sorts by that column, a second one restores the order', async () => {
    const { frame, click } = mount();
    await frame(/t_0010/, 'the task list');
    click(32, 4); // STATE
    const sorted = await frame(/STATE↑/, 'the sort mark');
    expect(sorted).toContain('sorted by column 2');
    expect(sorted.indexOf('queued')).toBeLessThan(sorted.indexOf('succeeded'));
    click(32, 4);
    await frame(/natural order/, 'the natural order');
  });

  it('the wheel moves the selection three rows a notch', async () => {
    const { frame, write } = mount();
    await frame(/t_0010/, 'the task list');
    write('\x1b[<65;5;6M');
    write('\x1b[<65;5;6M');
    write('\x1b[<64;5;6M');
    write('\r');
    await frame(/tasks › task t_0007/, 'the task three rows down');
  });
});
