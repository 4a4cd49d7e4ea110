import { spawn } from 'node:child_process';
import { relative } from 'node:path';
import { UP_PATHS } from './paths.js';

/** The TUI on the terminal, attached to `url`; resolves with its exit code once the user quits. */
export function runTui(url: string, extraArgs: string[] = []): { exited: Promise<number>; stop(): void } {
  const child = spawn(process.execPath, [UP_PATHS.tui, '--url', url, ...extraArgs], { stdio: 'inherit' });
  const exited = new Promise<number>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
    child.once('error', () => resolve(1));
  });
  return { exited, stop: () => child.kill('SIGTERM') };
}

/** How to attach to a daemon from another terminal, as up prints it. */
export function attachHint(url: string): string {
  const ws = url.replace(/^http/, 'ws');
  const local = relative(process.cwd(), UP_PATHS.tui);
  return `aidos up: the daemon is running at ${url}; attach from a terminal with:\n  aidos-tui --url ${ws}\n  (from a checkout: node ${local} --url ${ws})\nstop it with Ctrl-C or SIGTERM\n`;
}
