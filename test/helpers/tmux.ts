import { execa } from 'execa';
import { waitFor } from './wait.js';

/** One tmux server of a test file (its own socket) and the pane `tui` in it. */
export interface TmuxPane {
  /** Runs a tmux command on this server. */
  tmux(...args: string[]): Promise<{ stdout: string }>;
  /** The pane's text (`capture-pane -p`). */
  screen(): Promise<string>;
  /** The pane with its colours and attributes as escape sequences (`capture-pane -e -p`). */
  styled(): Promise<string>;
  /** Sends key names (`Enter`, `Escape`, `C-c`) or plain characters. */
  keys(...keys: string[]): Promise<unknown>;
  /** Types text literally (no key-name lookup: `!` and `|` stay themselves). */
  type(text: string): Promise<unknown>;
  /** Waits until the pane shows `text` and returns the pane; on a timeout the error carries the pane. */
  shows(text: string | RegExp, what?: string, timeoutMs?: number): Promise<string>;
}

/** The pane `tui` on the tmux server of socket `socket` (`tmux -L`). */
export function tmuxPane(socket: string): TmuxPane {
  const tmux = (...args: string[]) => execa('tmux', ['-L', socket, ...args], { timeout: 10_000 });
  const screen = async () => (await tmux('capture-pane', '-p', '-t', 'tui')).stdout;
  return {
    tmux,
    screen,
    styled: async () => (await tmux('capture-pane', '-e', '-p', '-t', 'tui')).stdout,
    keys: (...keys) => tmux('send-keys', '-t', 'tui', ...keys),
    type: (text) => tmux('send-keys', '-t', 'tui', '-l', text),
    shows: (text, what = String(text), timeoutMs = 20_000) =>
      waitFor(
        async () => {
          const s = await screen();
          return (typeof text === 'string' ? s.includes(text) : text.test(s)) ? s : undefined;
        },
        timeoutMs,
        `the pane to show ${what}`,
      ).catch(async (error: Error) => {
        throw new Error(`${error.message}\n--- pane ---\n${await screen().catch(() => '')}`);
      }),
  };
}
