import { contextTarget } from '../config/resolve-target.js';
import type { TuiConfig } from '../config/tui-config.js';
import type { FleetConnection } from '../fleet/connection.js';

/** `:ctx`: lists the contexts, or attaches the connection to another one. */
export interface ContextSwitcher {
  /** Context names of the config file. */
  names: string[];
  /** The context attached to now (null when given by --url alone). */
  current(): string | null;
  /** Lists (null) or switches; returns the message to show; throws for an unknown name. */
  switchTo(name: string | null): string;
}

/** A switcher over the config's contexts. */
export function contextSwitcher(
  config: TuiConfig,
  connection: FleetConnection,
  initial: string | null,
): ContextSwitcher {
  const names = Object.keys(config.contexts ?? {});
  let current = initial;
  return {
    names,
    current: () => current,
    switchTo: (name) => {
      if (name === null)
        return names.length
          ? `contexts: ${names.map((c) => (c === current ? `${c}*` : c)).join(' ')}`
          : 'no contexts in the config file';
      const target = contextTarget(config, name);
      current = name;
      connection.switchTarget(target.urls, target.token);
      return `switched to context ${name}`;
    },
  };
}
