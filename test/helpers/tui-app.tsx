import { render } from 'ink-testing-library';
import type { Task } from '../../shared/tasks.js';
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

/** The whole TUI (no colour) on a connection that is not started: tests fill its store by hand. */
export function renderOfflineApp(connection: FleetConnection, size = { columns: 100, rows: 20 }) {
  return render(
    <App
      connection={connection}
      keymap={buildKeymap()}
      theme={themeFor({ NO_COLOR: '1' })}
      readonly={false}
      contexts={contextSwitcher({}, connection, null)}
      size={size}
    />,
  );
}

/** A queued task as the daemon pushes it, numbered `i`, with `patch` over it. */
export function taskFixture(i: number, patch: Partial<Task> = {}): Task {
  const at = Date.now();
  return {
    id: `t_${String(1e6 + i)}`,
    idempotency_key: null,
    profile: 'default',
    message: `task ${i}`,
    priority: 0,
    state: 'queued',
    attempt: 0,
    max_attempts: 3,
    timeout_ms: 1000,
    labels: {},
    run_after: at,
    created_at: at,
    updated_at: at,
    started_at: null,
    finished_at: null,
    node_id: null,
    lease_expires_at: null,
    fence: 0,
    cancel_requested: false,
    result: null,
    error: null,
    ...patch,
  };
}
