import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupDaemons, type DaemonProcess, startDaemon } from '../helpers/daemon-process.js';
import { writeStandinConfig } from '../helpers/standin-config.js';
import { mountLiveApp } from '../helpers/tui-app.js';

// The Chaos view against real daemons (SQLite, one node): one with chaos.enabled, one without.
let dir: string;
let enabled: DaemonProcess;
let disabled: DaemonProcess;
const mounted: (() => void)[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'aidos-tui-chaos-'));
  const on = join(dir, 'on');
  const off = join(dir, 'off');
  for (const d of [on, off]) mkdirSync(d);
  [enabled, disabled] = await Promise.all([
    startDaemon({ args: ['--config', writeStandinConfig(on, { chaos: { enabled: true } })] }),
    startDaemon({ args: ['--config', writeStandinConfig(off)] }),
  ]);
}, 60_000);

afterAll(async () => {
  while (mounted.length) mounted.pop()!();
  await cleanupDaemons();
  rmSync(dir, { recursive: true, force: true });
});

function mount(daemon: DaemonProcess, readonly = false) {
  const app = mountLiveApp(daemon.url, { readonly, initialView: 'chaos', size: { columns: 160, rows: 30 } });
  mounted.push(app.stop);
  return app;
}

describe('Chaos view', () => {
  it('lists scenarios; x injects a picked fault after a confirm naming target, magnitude, duration, blast radius; A aborts', async () => {
    const { frame, keys } = mount(enabled);
    const id = `n${enabled.port}`;
    const first = await frame(/node-pause\s+process-pause\s+cluster,postgres,agents/, 'the scenario row');
    expect(first).toContain(`chaos enabled on ${id}`);
    expect(first).toContain('Active faults [0]');
    expect(first).toContain('<x> run/inject');
    keys('x');
    await frame(/chaos: \[run agent-crash-loop\] inject cpu-stress/, 'the pick list');
    for (let i = 0; i < 5; i++) keys('j');
    await frame(/\[inject partition\]/, 'partition highlighted');
    keys('\r');
    await frame(
      new RegExp(
        `inject network on ${id}: target peers=all, magnitude partition=true, duration 10s, blast radius this node only \\(${id}\\)\\? \\(y/n\\)`,
      ),
      'the inject confirmation',
    );
    keys('y');
    // A single node has no peer transport: the daemon's refusal is the status line.
    await frame(/network: this node has no peer transport/, "the daemon's error");
    keys('x');
    await frame(/chaos: \[run agent-crash-loop\]/, 'the pick list again');
    keys('jj');
    await frame(/\[inject memory-pressure\]/, 'memory-pressure highlighted');
    keys('\r');
    await frame(
      new RegExp(
        `inject memory-pressure on ${id}: target node, magnitude mb=256, duration 30s, blast radius this node only`,
      ),
      'the memory-pressure confirmation',
    );
    keys('y');
    await frame(new RegExp(`injected f_\\S+ \\(memory-pressure\\) on ${id}`), 'the inject result');
    await frame(
      /Active faults \[1\][\s\S]*f_\S+\s+memory-pressure\s+.*mb=256\s+(30|2\d)s/,
      'the fault with time left',
    );
    keys('A');
    await frame(
      /abort all chaos: revert every fault cluster-wide \(1 on this node\)/,
      'the abort confirmation',
    );
    keys('y');
    await frame(/abort: 1 fault reverted/, 'the abort result');
    await frame(/Active faults \[0\]/, 'no fault left');
  }, 60_000);

  it('x on a scenario confirms its target and blast radius, and its verdict lands under Past drills', async () => {
    const { frame, keys } = mount(enabled);
    await frame(/node-pause/, 'the library');
    keys('/node-pause\r');
    await frame(/chaos \[1\/12\]/, 'the filtered library');
    keys('x');
    await frame(/\[run node-pause\]/, 'the pick list');
    keys('\r');
    await frame(
      /run drill node-pause \(process-pause\): target daemon=self, magnitude -, duration 8s, blast radius 1 of 1 node\? \(y\/n\)/,
      'the drill confirmation',
    );
    keys('y');
    await frame(/drill cr_\S+ \(node-pause\) started/, 'the run result');
    // A single SQLite node lacks what node-pause needs: the drill ends at once with verdict error.
    await frame(/Past drills \[\d+\][\s\S]*cr_\S+\s+node-pause\s+error/, 'the verdict');
  }, 60_000);

  it("shows a drill's progress as it is pushed, then enter on it opens its report, scrolled with j/G, esc back", async () => {
    const { frame, keys } = mount(enabled);
    await frame(/cpu-saturation/, 'the library');
    // Started by another client: the view hears of it only through the chaos topic (nothing polls).
    const res = await fetch(`${enabled.url}/api/v1/chaos/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        scenario: 'cpu-saturation',
        set: { 'steps.0.duration': '3s', 'steps.0.fault.workers': 1, 'load.tasks': 1 },
      }),
    });
    const { run } = (await res.json()) as { run: { run_id: string } };
    const id = run.run_id;
    await frame(
      new RegExp(`drill ${id} \\(cpu-saturation\\) running for \\d+s · phase \\w+ · \\d+ samples`),
      'live progress',
    );
    await frame(/Active faults \[1\][\s\S]*cpu-stress/, 'the drill fault, pushed');
    await frame(new RegExp(`${id}\\s+cpu-saturation\\s+passed\\s+100`), 'the verdict, pushed');
    await frame(/Active faults \[0\]/, 'the fault reverted');
    keys('\r');
    await frame(/enter opens the report of a past drill/, 'enter on a scenario');
    keys('/cpu-saturation\r');
    await frame(/chaos \[\d+\/\d+\] {2}\/cpu-saturation/, 'filtered');
    keys('j');
    keys('\r');
    const top = await frame(new RegExp(`chaos › report ${id}`), 'the report');
    await frame(new RegExp(`Chaos drill ${id}: cpu-saturation — PASSED \\(score 100/100\\)`), 'the title');
    const report = await frame(/^faults {3}[·#]+$/m, 'the timeline chart');
    expect(report).toMatch(/^health {3}[▁▄█X ]+$/m);
    expect(report).toMatch(/lines 1–\d+ of \d+/);
    // Windowed to the terminal: never more lines than it has.
    expect(report.split('\n').length).toBeLessThanOrEqual(30);
    expect(top).not.toMatch(/Left injected/);
    keys('G');
    const end = await frame(
      /Nothing: every fault was reverted and checked from outside/,
      'the end of the report',
    );
    expect(end).not.toMatch(/Chaos drill/);
    // Tables as aligned columns, markers gone.
    expect(end).toMatch(/^check +held +weight +detail$/m);
    expect(end).not.toMatch(/\|---|\*\*/);
    keys('g');
    await frame(/Chaos drill/, 'back at the top');
    keys('\x1b');
    await frame(/Past drills \[\d+\]/, 'back in the Chaos view');
  }, 90_000);

  it('a click on a scenario row selects it for x', async () => {
    const { frame, keys } = mount(enabled);
    await frame(/node-pause/, 'the library');
    // Rows (1-based): 1-2 header, 3 breadcrumb, 4 chaos state, 5 "Scenarios", 6 table header, 7.. rows.
    keys('\x1b[<0;5;12M\x1b[<0;5;12m');
    keys('x');
    await frame(/chaos: \[run node-pause\]/, 'the clicked scenario offered first');
  }, 60_000);

  it("shows the daemon's refusal in the status line when chaos is off", async () => {
    const { frame, keys } = mount(disabled);
    await frame(/chaos is off on n\d+ \(chaos\.enabled: false\)/, 'the off state');
    keys('x');
    await frame(/\[run agent-crash-loop\]/, 'the pick list');
    keys('\r');
    await frame(/run drill agent-crash-loop/, 'the confirmation');
    keys('y');
    await frame(/chaos\.enabled/, "the daemon's error");
  }, 60_000);

  it('--readonly removes x and A', async () => {
    const { frame, keys } = mount(enabled, true);
    await frame(/node-pause/, 'the library');
    keys('x');
    keys('A');
    keys('j');
    const f = await frame(/node-pause/, 'the view');
    expect(f).not.toContain('<x>');
    expect(f).not.toContain('<A>');
    expect(f).not.toMatch(/\(y\/n\)|chaos: \[/);
  }, 60_000);
});
