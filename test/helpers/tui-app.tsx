import { render } from 'ink-testing-library';
import { App } from '../../tui/app/App.js';
import { contextSwitcher } from '../../tui/app/context-switcher.js';
import { themeFor } from '../../tui/app/theme.js';
import { FleetConnection } from '../../tui/fleet/connection.js';
import type { ViewName } from '../../tui/keys/actions.js';
import { buildKeymap } from '../../tui/keys/keymap.js';
import { waitFor } from './wait.js';

/** Options of mountLiveApp. */
export interface LiveAppOptions {
  /** --readonly. */
  readonly?: boolean;
  /** First view. */
  initialView?: ViewName;
  /** Terminal size. */
  size?: { columns: number; rows: number };
}

/**
 * The whole TUI (no colour) attached to a real daemon: `frame` waits (bounded) for a frame matching
 * `re` and fails with the last frame; `stop` unmounts and closes the link.
 */
export function mountLiveApp(url: string, options: LiveAppOptions = {}) {
  const connection = new FleetConnection({ urls: [url] });
  const ui = render(
    <App
      connection={connection}
      keymap={buildKeymap({}, { readonly: options.readonly ?? false })}
      theme={themeFor({ NO_COLOR: '1' })}
      readonly={options.readonly ?? false}
      contexts={contextSwitcher({}, connection, null)}
      size={options.size ?? { columns: 120, rows: 24 }}
      {...(options.initialView ? { initialView: options.initialView } : {})}
    />,
  );
  connection.start();
  const frame = (re: RegExp, what: string, timeoutMs = 20_000) =>
    waitFor(() => (re.test(ui.lastFrame() ?? '') ? ui.lastFrame()! : undefined), timeoutMs, what).catch(
      (e: Error) => {
        throw new Error(`${e.message}\n${ui.lastFrame()}`);
      },
    );
  return {
    frame,
    keys: (s: string) => ui.stdin.write(s),
    stop: () => {
      ui.unmount();
      connection.stop();
    },
  };
}
