import { resolve } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';

const TUI_BIN = resolve('dist/tui/bin/aidos-tui.js');
const run = (...args: string[]) =>
  execa(process.execPath, [TUI_BIN, ...args], {
    reject: false,
    stdin: 'ignore',
    timeout: 15_000,
    env: { AIDOS_TUI_CONFIG: '/nonexistent/tui.yaml' },
  });

describe('aidos-tui command line', () => {
  it('refuses a bad flag, view or context with exit 2 and a message naming it, before touching the terminal', async () => {
    const bogus = await run('--bogus');
    expect([bogus.exitCode, bogus.stderr]).toEqual([2, "aidos-tui: unknown option '--bogus'"]);
    const view = await run('--view', 'pods');
    expect(view.stderr).toBe(
      'aidos-tui: --view: "pods" is not a view (nodes, agents, tasks, health, events, chaos)',
    );
    const ctx = await run('--context', 'prod');
    expect([ctx.exitCode, ctx.stderr]).toEqual([
      2,
      'aidos-tui: context "prod" is not in the config (known: none)',
    ]);
    const url = await run('--url', 'localhost:7420');
    expect(url.stderr).toBe('aidos-tui: --url: "localhost:7420" is not an http:// or ws:// URL');
  });

  it('says it needs a terminal when run from a pipe', async () => {
    const piped = await run();
    expect(piped.exitCode).toBe(2);
    expect(piped.stderr).toContain('aidos-tui needs a terminal');
    expect(piped.stdout).toBe('');
  });
});
